import Foundation
import Synchronization

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

// GIVEN: this file is part of the chapter, not of the exercise. You don't need to change it.
// It is the Swift stand-in for Python's `requests.get(url).text`: a GET that blocks its thread
// until the answer is in, so the fetcher threads can call it like the guide's threads do.

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

/// The error `fetchText(from:in:)` throws when a server answers with a status of 400 or more.
public struct HTTPStatusError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The URL that answered with the error.
  public var url: URL
  /// The status it answered with, 400 or more.
  public var status: Int

  /// The error for `url` answering with `status`.
  public init(url: URL, status: Int) {
    self.url = url
    self.status = status
  }

  public var description: String { "\(url) answered with status \(status)" }
}

/// Fetches the text at `url` with a GET in `session`, blocking the calling thread until it is in.
///
/// Throws `HTTPStatusError` for a status of 400 or more, and URLSession's error when no answer
/// came. Only the calling thread waits: many threads can fetch at once.
///
///     let text = try fetchText(from: url)
public func fetchText(from url: URL, in session: URLSession = .shared) throws -> String {
  // URLSession answers on a thread of its own; the semaphore hands the answer back to this one.
  let answered = DispatchSemaphore(value: 0)
  let outcome = Mutex<Result<String, any Error>?>(nil)
  let task = session.dataTask(with: URLRequest(url: url)) { body, response, error in
    let result: Result<String, any Error>
    if let error {
      result = .failure(error)
    } else {
      let status = (response as? HTTPURLResponse)?.statusCode ?? 0
      result =
        status < 400
        ? .success(String(decoding: body ?? Data(), as: UTF8.self))
        : .failure(HTTPStatusError(url: url, status: status))
    }
    outcome.withLock { $0 = result }
    answered.signal()
  }
  task.resume()
  answered.wait()
  return try outcome.withLock { $0 }?.get() ?? ""
}
