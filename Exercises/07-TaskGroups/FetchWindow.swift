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
  // TODO: in a throwing task group, keep at most `limit` fetches in flight at any moment, and
  // start the next one as soon as one ends.
  // TODO: return the pages in input order; start nothing after a failure or once the task is
  // cancelled, and make a cancelled call throw instead of returning fewer pages.
  throw WorkbookError.notImplemented
}
