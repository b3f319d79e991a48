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
  try await withThrowingTaskGroup(of: (index: Int, page: Page).self) { group in
    // Every child starts as it is added, so all the requests are in flight together. Each child
    // returns its index, because the group hands results back in the order they finish.
    for (index, url) in urls.enumerated() {
      group.addTask { (index, try await fetch(url)) }
    }
    // `for try await` rethrows the first child error it meets; the error leaves the group's
    // closure, and the group cancels and awaits every child still running before it rethrows.
    // The slots are filled by index, so the pages come back in input order.
    var pages = [Page?](repeating: nil, count: urls.count)
    for try await (index, page) in group {
      pages[index] = page
    }
    return pages.compactMap { $0 }
  }
}
