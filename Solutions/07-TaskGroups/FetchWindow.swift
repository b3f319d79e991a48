import Foundation
import TaskGroupsGiven
import WorkbookSupport

/// Fetches every URL with at most `limit` fetches in flight, and returns the pages in the order
/// of `urls`.
///
/// `fetchAll(_:using:)` starts every fetch at once: a thousand URLs would open a thousand
/// connections. Build a sliding window instead: start the fetches of the first `limit` URLs,
/// then the next URL's each time a fetch finishes, until none is left. Fetches start in the
/// order of `urls`. As in `fetchAll(_:using:)`, the first failure is thrown and cancels the
/// fetches in flight, and no fetch starts after it; cancelling the task that called this
/// function does the same. A `limit` below 1 counts as 1.
///
/// Lesson: README.md, section "At most k at a time: a sliding window".
public func fetchAll(_ urls: [URL], atMost limit: Int, using fetch: @escaping Fetch) async throws -> [Page] {
  try await withThrowingTaskGroup(of: (index: Int, page: Page).self) { group in
    var pending = urls.enumerated().makeIterator()
    var pages = [Page?](repeating: nil, count: urls.count)
    // Only the first `limit` children exist at the start, so no more than `limit` requests can
    // be in flight; the rest of the URLs wait in the iterator, not in the group.
    for _ in 0..<max(1, limit) {
      guard let (index, url) = pending.next() else { break }
      group.addTaskUnlessCancelled { (index, try await fetch(url)) }
    }
    // A child's end makes room for exactly one more, so the window slides without growing.
    // `next()` rethrows a child's error before anything new is added, so no fetch starts after
    // a failure, and `addTaskUnlessCancelled` adds nothing once the caller's task is cancelled.
    while let (index, page) = try await group.next() {
      pages[index] = page
      if let (index, url) = pending.next() {
        group.addTaskUnlessCancelled { (index, try await fetch(url)) }
      }
    }
    // A cancelled call may have skipped children instead of failing one: throw rather than
    // return a shorter array that looks like success.
    try Task.checkCancellation()
    return pages.compactMap { $0 }
  }
}
