// Given: the chapter hands you this code as the module `ConcurrentScraperGiven`, which your exercise
// and the tests import. You need not change it.

import Foundation
import WorkbookSupport

// GIVEN: these are the types the scraper records. You don't need to change this file.

/// What the scraper records for one URL: the page it got, or the error that kept it from one.
///
/// It is the guide's `results[url]` entry, typed: `{"status_code", "time", "content_length"}`
/// becomes `.page`, and `{"error": ...}` becomes `.failure`.
public enum ScrapeResult: Sendable, Equatable {
  /// The server answered. Any status counts, 404 and 503 too: a status is an answer.
  case page(Page)
  /// No answer came: the connection was refused or dropped, or the timeout passed.
  case failure(FetchError)
}

/// An answer the scraper got: the status, the body, and how long the fetch took.
public struct Page: Sendable, Equatable {
  /// The HTTP status code.
  public var status: Int
  /// The body as the server sent it.
  public var body: Data
  /// The time from just before the request to just after the answer was in.
  public var elapsed: Duration

  /// The length of the body in bytes: the guide's `content_length`.
  public var contentLength: Int { body.count }

  /// A page with `status` and `body` that took `elapsed` to fetch.
  public init(status: Int, body: Data, elapsed: Duration) {
    self.status = status
    self.body = body
    self.elapsed = elapsed
  }
}
