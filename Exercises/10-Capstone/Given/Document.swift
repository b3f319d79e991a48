// Given: the chapter hands you this code as the module `CapstoneGiven`, which your exercise
// and the tests import. You need not change it.

import Foundation
import WorkbookSupport

// GIVEN: this file is part of the chapter, not of the exercise. You don't need to change it.
// `fetchText(from:timeout:)` is the Swift stand-in for Python's `requests.get(url).text`, built on
// the blocking `fetch(_:timeout:)` that every fetching chapter shares (WorkbookSupport).

/// A document the pipeline fetched: the URL it came from and its text.
public struct Document: Sendable, Equatable {
  /// The URL the document was fetched from.
  public var url: URL
  /// The document's text.
  public var text: String

  /// The document at `url`, reading `text`.
  public init(url: URL, text: String) {
    self.url = url
    self.text = text
  }
}

/// Fetches the text at `url` with a GET, blocking the calling thread until it is in.
///
/// Throws `HTTPStatusError` for a status of 400 or more, and `FetchError` when no answer came
/// within `timeout`. Only the calling thread waits: many threads can fetch at once.
///
///     let text = try fetchText(from: url)
public func fetchText(from url: URL, timeout: Duration = .seconds(30)) throws -> String {
  // `fetch(_:timeout:)` is the blocking GET every fetching chapter shares (WorkbookSupport).
  let response = try fetch(url, timeout: timeout).get()
  guard response.status < 400 else { throw HTTPStatusError(url: url, status: response.status) }
  return String(decoding: response.body, as: UTF8.self)
}
