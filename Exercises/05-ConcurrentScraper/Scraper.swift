import ConcurrentScraperGiven
import Foundation
import Synchronization
import WorkbookSupport

/// Fetches one URL and times it: the guide's `fetch_url`, without the shared dictionary.
///
/// Call the given `fetch(_:timeout:)` and turn its answer into a `ScrapeResult`: a `.page` with
/// the status, the body and the time the fetch took, or a `.failure` with the error. An error
/// is an entry like any other, never a crash.
///
/// Lesson: README.md, section "One fetch, timed".
public func fetchPage(_ url: URL, timeout: Duration) -> ScrapeResult {
  // TODO: fetch `url` with the given `fetch(_:timeout:)` and turn its answer into a `.page` (with
  // the time the fetch took) or a `.failure`.
  .failure(.failed("not implemented yet: fill in the // TODO: of fetchPage"))
}

/// Fetches every URL at the same time, one thread per URL, and returns what each one gave.
///
/// This is the guide's scraper. Each thread calls `fetchPage(_:timeout:)` for its URL and
/// records the result under that URL, errors included. `scrape` returns once every thread has
/// recorded its result. The threads record at the same moment, so the dictionary they share
/// needs a lock.
///
/// Lesson: README.md, sections "Sharing the results" and "Starting and joining the threads".
public func scrape(_ urls: [URL], timeout: Duration = .seconds(5)) -> [URL: ScrapeResult] {
  // TODO: make a dictionary that every thread can write to safely. A plain `var` captured by
  // the threads' closures doesn't compile in Swift 6, and for good reason.
  // TODO: fetch every URL on a `Thread` of its own, all of them at once, and record each result
  // under its URL.
  // TODO: wait until every thread has recorded its result, then return the dictionary.
  return [:]
}
