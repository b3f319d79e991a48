import Foundation
import Synchronization
internal import WorkbookCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
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
  let answer = fetchOnce(url, timeout: timeout)
  // Last, once the session is done with: nothing the threads share lies between here and the
  // caller's next line.
  FetchRendezvous.arrive(for: url)
  return answer
}

private func fetchOnce(_ url: URL, timeout: Duration) -> Result<Response, FetchError> {
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

/// A meeting point at the end of `fetch` that a test sets up: the fetches of one gate's URLs
/// return only once all of them have their answer.
///
/// Chapter 5's race tests need the scraper's threads to store their results with nothing between
/// them that orders the stores: a thread that stored its result and ended before the next one's
/// answer came in may leave, through URLSession's and the runtime's own locks, an order between
/// the two stores that hides their race. So every fetch waits here until all have arrived; then
/// - in a plain run they all leave at once, and an unlocked dictionary is hit by every thread in
///   the same instant;
/// - under ThreadSanitizer they leave one at a time, a couple of milliseconds apart, released
///   through relaxed atomics, which order nothing: TSan sees every store unordered with the
///   others and reports the race at the second one, and no two stores run at once. (Stores that
///   run at once can corrupt the dictionary and crash the process while TSan is still writing
///   its first report, which is then lost: 2 runs in 20 before this meeting point.)
///
/// Only a URL whose `gate` query item names a meeting the test has set up waits, so a fetch
/// outside such a test never does.
package enum FetchRendezvous {
  private struct Meeting {
    var awaited: Int
    var arrived = 0
    var isOpen = false
    let departures = Departures()
  }

  /// The turn of the fetches that leave: those whose ticket is below `turn` go.
  private final class Departures: Sendable {
    let turn = Atomic(0)

    func releaseAll() { turn.store(.max, ordering: .relaxed) }

    /// Lets the fetches go one by one, `spacing` apart, on a thread of its own.
    func release(_ count: Int, spacing: Duration) {
      let releaser = Thread {
        for ticket in 0..<count {
          self.turn.store(ticket + 1, ordering: .relaxed)
          Thread.sleep(forTimeInterval: spacing.timeInterval)
        }
      }
      releaser.start()
    }

    func waitForTurn(_ ticket: Int, until limit: Date) {
      while turn.load(ordering: .relaxed) <= ticket && Date() < limit {
        Thread.sleep(forTimeInterval: 0.000_2)
      }
    }
  }

  private static let condition = NSCondition()
  // Read and written only while `condition` is locked.
  nonisolated(unsafe) private static var meetings: [String: Meeting] = [:]
  /// Longest a fetch waits for the others: a test that goes wrong never hangs a thread for good.
  private static let patience: TimeInterval = 60
  /// How far apart the fetches leave under ThreadSanitizer: far longer than one store takes.
  private static let spacing: Duration = .milliseconds(2)

  /// Whether this process runs under ThreadSanitizer: its runtime is linked in, or the grader
  /// gave it TSan's options.
  static let isUnderThreadSanitizer: Bool = {
    if ProcessInfo.processInfo.environment["TSAN_OPTIONS"] != nil { return true }
    guard let program = dlopen(nil, RTLD_NOW) else { return false }
    return dlsym(program, "__tsan_init") != nil
  }()

  /// Sets up the meeting `gate` for `count` fetches of URLs with `gate=<gate>` in their query.
  package static func expect(_ count: Int, at gate: String) {
    condition.lock()
    meetings[gate] = Meeting(awaited: count)
    condition.unlock()
  }

  /// Lets every fetch waiting at `gate` go, and forgets the meeting: later fetches do not wait.
  package static func open(_ gate: String) {
    condition.lock()
    meetings.removeValue(forKey: gate)?.departures.releaseAll()
    condition.broadcast()
    condition.unlock()
  }

  /// Waits, for a URL of a meeting, until every fetch of it has arrived and its turn has come.
  static func arrive(for url: URL) {
    guard
      let gate = URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?
        .first(where: { $0.name == "gate" })?.value
    else { return }
    let limit = Date(timeIntervalSinceNow: patience)
    condition.lock()
    guard var meeting = meetings[gate], !meeting.isOpen else {
      condition.unlock()
      return
    }
    let ticket = meeting.arrived
    meeting.arrived += 1
    if meeting.arrived >= meeting.awaited {
      meeting.isOpen = true
      if isUnderThreadSanitizer {
        meeting.departures.release(meeting.arrived, spacing: spacing)
      } else {
        meeting.departures.releaseAll()
      }
      condition.broadcast()
    }
    meetings[gate] = meeting
    while meetings[gate]?.isOpen == false {
      if !condition.wait(until: limit) { break }
    }
    condition.unlock()
    meeting.departures.waitForTurn(ticket, until: limit)
  }
}
