// Mutant: one await after the other (lesson: "That is the version `fetchBoth` must not be").
import Foundation
import TaskGroupsGiven

/// Fetches two pages at the same time and returns them in argument order, like JavaScript's
/// `await Promise.all([fetch(first), fetch(second)])`.
///
/// Two `await`s in a row, `try await fetch(first)` and then `try await fetch(second)`, would
/// ask for the second page only once the first is in: one request after the other, like two
/// `await`s in a row in JavaScript. Make them run at the same time with `async let`: both
/// requests must be in flight at once, and the answer is still `(first page, second page)`,
/// whichever the server finishes first.
///
/// Lesson: README.md, section "A fixed fan-out: async let".
public func fetchBoth(_ first: URL, _ second: URL, using fetch: Fetch) async throws -> (Page, Page) {
  // Each `async let` starts a child task at once and only its `await` waits for it, so both
  // requests are in flight before either answer is needed. The tuple keeps argument order,
  // whichever child finishes first.
  // The mutant: the second request waits for the first answer.
  let firstPage = try await fetch(first)
  let secondPage = try await fetch(second)
  return (firstPage, secondPage)
}
