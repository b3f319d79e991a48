import Foundation
import ThreadPoolsGiven
import WorkbookSupport

/// Fetches every URL on a pool of `maxWorkers` threads and reports each result as it comes in.
///
/// This is the guide's `ThreadPoolExecutor(max_workers=3)` example. Submit one task per URL that
/// runs the given `fetchReport(for:timeout:)`, then go through the futures in completion order:
/// call `report` with each report as soon as it is in (the guide prints it), and return every
/// report in that same order. Shut the pool down before you return, as the guide's `with` block
/// does, also when something throws.
///
/// Lesson: README.md, section "Fetching with a pool".
public func fetchAll(
  _ urls: [URL],
  maxWorkers: Int = 3,
  timeout: Duration = .seconds(5),
  report: (FetchReport) -> Void = { _ in }
) throws -> [FetchReport] {
  // TODO: make a `ThreadPool` and make sure it is shut down on every way out of this function.
  // TODO: fetch every URL's report on the pool, and pass each to `report` as soon as it is in,
  // collecting them in that order. Remove the `throw` below.
  throw WorkbookError.notImplemented
}
