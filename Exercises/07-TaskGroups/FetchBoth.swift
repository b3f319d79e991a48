import Foundation

/// Fetches two pages at the same time and returns them in argument order, like JavaScript's
/// `await Promise.all([fetch(first), fetch(second)])`.
///
/// The body below awaits the first page before it even asks for the second, so the two
/// requests run one after the other, like two `await`s in a row in JavaScript. Make them run at
/// the same time with `async let`: both requests must be in flight at once, and the answer is
/// still `(first page, second page)`, whichever the server finishes first.
///
/// Lesson: README.md, section "A fixed fan-out: async let".
public func fetchBoth(_ first: URL, _ second: URL, using fetch: Fetch) async throws -> (Page, Page) {
  // TODO: start both fetches before you await either of them.
  let firstPage = try await fetch(first)
  let secondPage = try await fetch(second)
  return (firstPage, secondPage)
}
