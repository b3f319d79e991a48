import Foundation
import TaskGroupsGiven
import WorkbookSupport

/// Fetches every URL at the same time and returns the pages in the order of `urls`, like
/// JavaScript's `Promise.all(urls.map(fetch))`.
///
/// Build it with a throwing task group: one child task a URL, all of them started at once. The
/// children finish in whatever order the server answers, so put each page at its URL's index.
/// If any fetch throws, throw that error at once; leaving the group that way cancels every
/// fetch still running, and the server sees their clients hang up.
///
/// Lesson: README.md, section "A dynamic fan-out: task groups".
public func fetchAll(_ urls: [URL], using fetch: @escaping Fetch) async throws -> [Page] {
  // TODO: add one child task a URL to a throwing task group; let each return its index with its page.
  // TODO: collect the pages as the children finish, each at its index, and return them in input order.
  throw WorkbookError.notImplemented
}
