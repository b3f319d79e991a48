import Foundation
import Synchronization
internal import WorkbookCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

// Given to every fetching chapter (05, 06, 10): the Swift stand-in for Python's `requests.get`,
// a GET that blocks its thread until the answer is in, so threads can call it like the guide's
// threads call `requests.get`. Only 127.0.0.1 is ever fetched: the workbook's fixture server.

/// What a server answered: the status code and the body.
public struct Response: Sendable, Equatable {
  /// The HTTP status code, like 200 or 503.
  public var status: Int
  /// The bytes of the body; empty when there is none.
  public var body: Data

  /// An answer with `status` and `body`.
  public init(status: Int, body: Data) {
    self.status = status
    self.body = body
  }
}

/// Why a fetch got no answer at all.
///
/// A status like 404 or 503 is an answer, not a `FetchError`: the server said something. These
/// are the cases where it said nothing, like the exceptions the guide's `except` clause catches.
public enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Nothing listens at the URL's host and port: the connection was refused.
  case connectionRefused
  /// The server sent nothing for longer than the timeout, so the client hung up.
  case timedOut
  /// Any other failure, such as a connection closed without an answer, with its description.
  case failed(String)

  public var description: String {
    switch self {
    case .connectionRefused: "connection refused"
    case .timedOut: "timed out"
    case .failed(let reason): reason
    }
  }
}

/// Fetches `url` with a GET and blocks the calling thread until the answer or the error is in.
///
/// The request gives up with `FetchError.timedOut` once `timeout` has passed without a whole
/// answer, and hangs up on the server. Each call uses a session of its own, like a bare
/// `requests.get`: no connection is shared with another call, so calls from many threads never
/// wait for each other.
///
///     switch fetch(url, timeout: .seconds(5)) {
///     case .success(let response): print(response.status, response.body.count)
///     case .failure(let error): print("no answer: \(error)")
///     }
public func fetch(_ url: URL, timeout: Duration) -> Result<Response, FetchError> {
  let seconds = max(0, timeout.timeInterval)
  // URLSession on Linux rounds its timeouts down to whole seconds (half a second becomes "at
  // once"), so this function keeps the deadline itself and sets URLSession's own beyond it.
  let configuration = URLSessionConfiguration.ephemeral
  configuration.timeoutIntervalForRequest = (seconds + 2).rounded(.up)
  let session = URLSession(configuration: configuration)
  defer { session.finishTasksAndInvalidate() }
  var request = URLRequest(url: url)
  request.timeoutInterval = configuration.timeoutIntervalForRequest

  // URLSession answers on a thread of its own; the semaphore hands the answer back to this one.
  let answered = DispatchSemaphore(value: 0)
  let outcome = Mutex<Result<Response, FetchError>>(.failure(.timedOut))
  let task = session.dataTask(with: request) { body, response, error in
    let result: Result<Response, FetchError>
    if let error {
      result = .failure(FetchError(error))
    } else if let response = response as? HTTPURLResponse {
      result = .success(Response(status: response.statusCode, body: body ?? Data()))
    } else {
      result = .failure(.failed("the answer was not HTTP"))
    }
    outcome.withLock { $0 = result }
    answered.signal()
  }
  task.resume()
  if answered.wait(timeout: .now() + seconds) == .timedOut {
    // Out of time: hang up, which closes the connection, and wait for URLSession to report it.
    task.cancel()
    answered.wait()
  }
  return outcome.withLock { $0 }
}

extension FetchError {
  /// The `FetchError` for an error URLSession reported.
  init(_ error: any Error) {
    switch (error as? URLError)?.code {
    case .cannotConnectToHost?: self = .connectionRefused
    // `fetch` cancels a task only when its deadline has passed.
    case .timedOut?, .cancelled?: self = .timedOut
    default: self = .failed(error.localizedDescription)
    }
  }
}

/// The error a fetch throws when a server answers with a status of 400 or more.
///
/// A status is an answer, so `fetch(_:timeout:)` returns it; code that wants a failed status to
/// fail, as `Promise.all` rejects when a JavaScript `fetch` checks `response.ok` and throws, throws
/// this error, with what it saw. Chapters 07 and 10 do.
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
