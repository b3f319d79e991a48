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
  let pool = ThreadPool(maxWorkers: maxWorkers)
  // `defer` is Swift's `with` block: the pool shuts down and its workers stop on every way out
  // of this function, a thrown error included, so no thread outlives the call.
  defer { pool.shutdown(wait: true) }
  // Submitting only queues the work: this loop returns at once, while at most `maxWorkers`
  // fetches run at a time on the pool's threads.
  let futures = try urls.map { url in
    try pool.submit { fetchReport(for: url, timeout: timeout) }
  }
  var reports: [FetchReport] = []
  // `CompletionOrder` hands over each future as soon as it is done, so a slow first URL never
  // holds back the reports of faster ones, and `result()` here never has to wait.
  for future in CompletionOrder(futures) {
    let next = try future.result()
    report(next)
    reports.append(next)
  }
  return reports
}
