// Given: the chapter hands you this code as the module `TaskGroupsGiven`, which your exercise
// and the tests import. You need not change it.

import Foundation
import Synchronization
import WorkbookSupport

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

// GIVEN: this file is part of the chapter, not of the exercise. You don't need to change it.
// It is the Swift stand-in for JavaScript's `fetch(url).then(checkOk)`: an async GET that
// suspends its task, never a thread, and that stops its request when the task is cancelled.

/// One page a server answered with: the URL asked for, the status code and the body.
public struct Page: Sendable, Equatable {
  /// The URL that was fetched.
  public var url: URL
  /// The HTTP status code, like 200.
  public var status: Int
  /// The bytes of the body; empty when there is none.
  public var body: Data

  /// A page of `url` answered with `status` and `body`.
  public init(url: URL, status: Int, body: Data) {
    self.url = url
    self.status = status
    self.body = body
  }
}

/// How this chapter's functions fetch one URL.
///
/// Pass `{ try await fetchPage($0, in: session) }`, or any closure of the same shape: the tests
/// pass one that watches each fetch on its way through.
public typealias Fetch = @Sendable (URL) async throws -> Page

/// Fetches `url` with a GET in `session`, suspending the calling task until the page is in.
///
/// Throws `HTTPStatusError` for a status of 400 or more, and `CancellationError` when the task
/// was cancelled: cancelling stops the request, and the server sees its client hang up.
///
///     let session = URLSession(configuration: .ephemeral)
///     let page = try await fetchPage(url, in: session)
///     print(page.status, page.body.count)
public func fetchPage(_ url: URL, in session: URLSession = .shared) async throws -> Page {
  let request = CancellableRequest()
  let body: Data
  let response: URLResponse
  do {
    (body, response) = try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        let task = session.dataTask(with: URLRequest(url: url)) { body, response, error in
          request.finish()
          if let error {
            continuation.resume(throwing: error)
          } else if let response {
            continuation.resume(returning: (body ?? Data(), response))
          } else {
            continuation.resume(throwing: URLError(.badServerResponse))
          }
        }
        request.start(task)
      }
    } onCancel: {
      request.cancel()
    }
  } catch {
    // URLSession reports a cancelled request as a `URLError`; callers check for the Swift one.
    try Task.checkCancellation()
    throw error
  }
  let status = (response as? HTTPURLResponse)?.statusCode ?? 0
  guard status < 400 else { throw HTTPStatusError(url: url, status: status) }
  return Page(url: url, status: status, body: body)
}

/// A data task that a task's cancellation stops without ever waiting for URLSession.
///
/// `URLSession.data(for:)` cancels its request from inside the task's cancellation handler, where
/// the runtime holds the task's lock, and waits there for URLSession's queue; URLSession, finishing
/// the same request on that queue, waits for the task's lock to resume it: both wait forever
/// (swift-corelibs-foundation issue 5412). Here the handler only hands `cancel()` to another thread.
private final class CancellableRequest: Sendable {
  private enum State {
    case notStarted
    case running(URLSessionDataTask)
    case cancelled
    /// URLSession has answered: cancelling the task now would race with its own teardown.
    case finished
  }
  private let state = Mutex(State.notStarted)

  /// Runs `task`, or cancels it at once if the caller's task was cancelled before it started.
  func start(_ task: URLSessionDataTask) {
    let wasCancelled = state.withLock { state in
      guard case .notStarted = state else { return true }
      state = .running(task)
      return false
    }
    // Not inside a cancellation handler here, so cancelling in place cannot deadlock.
    if wasCancelled { task.cancel() } else { task.resume() }
  }

  /// Notes that URLSession has answered, so a later cancellation leaves the task alone.
  func finish() {
    state.withLock { $0 = .finished }
  }

  /// Stops the request from another thread; its completion handler then reports the cancellation.
  func cancel() {
    let running = state.withLock { state -> URLSessionDataTask? in
      switch state {
      case .notStarted:
        state = .cancelled
        return nil
      case .running(let task):
        state = .cancelled
        return task
      case .cancelled, .finished:
        return nil
      }
    }
    guard let running else { return }
    DispatchQueue.global().async { running.cancel() }
  }
}
