// Given: the chapter hands you this code as the module `ThreadPoolsGiven`, which your exercise
// and the tests import. You need not change it.

import Foundation
import WorkbookSupport

// GIVEN: this file is part of the chapter, not of the exercise. You don't need to change it.
// `fetch(_:timeout:)`, the blocking GET of chapter 05, comes from WorkbookSupport.

/// What the pooled fetcher reports for one URL: the guide's `{"url", "status", "time"}` dictionary.
public struct FetchReport: Sendable, Equatable {
  /// The URL fetched.
  public var url: URL
  /// The status the server answered with, or why no answer came: the guide's `"status"` or `"error"`.
  public var outcome: Result<Int, FetchError>
  /// How long the fetch took, answered or not.
  public var elapsed: Duration

  /// A report that `url` gave `outcome` after `elapsed`.
  public init(url: URL, outcome: Result<Int, FetchError>, elapsed: Duration) {
    self.url = url
    self.outcome = outcome
    self.elapsed = elapsed
  }
}

/// Fetches `url`, times it, and reports the status or the error: the guide's `fetch_url` of its pool example.
///
/// It never throws: like the guide's version, it turns every failure into a report, so a task that
/// runs it always completes its future with a value.
public func fetchReport(for url: URL, timeout: Duration) -> FetchReport {
  let clock = ContinuousClock()
  let start = clock.now
  let outcome = fetch(url, timeout: timeout).map(\.status)
  return FetchReport(url: url, outcome: outcome, elapsed: start.duration(to: clock.now))
}
