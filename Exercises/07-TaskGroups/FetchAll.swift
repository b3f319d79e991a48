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
  // TODO: fetch every URL at once in a throwing task group, so the first error cancels the rest.
  // TODO: return the pages in the order of `urls`, whatever order the fetches finish in.
  throw WorkbookError.notImplemented
}
