import Foundation
import Synchronization
import WorkbookCore

/// An HTTP/1.1 server on 127.0.0.1 for the fetching chapters; it counts what it sees, so tests need no clock.
///
/// Routes.swift is the guide: the routes, running a server in a test, waiting for counts, and what the
/// server guarantees.
public final class FixtureServer: Sendable {
  /// How this server was configured.
  public let configuration: Configuration
  let routeTable: RouteTable
  /// Where each request's time in flight is recorded: the recorder of the test that made the server.
  let recorder = TraceRecorder.current
  // One box behind one lock, because the test's thread, the accept thread and every connection thread
  // share all of it and none may see half a change.
  let state = Mutex(State())

  /// Everything about a server that changes while it runs.
  struct State {
    var phase = Phase.ready
    var port = 0
    var counts = Statistics()
    /// Bumped on every change to `counts` or `phase`, so a waiter never misses one.
    var generation = 0
    var waiters: [Int: Waiter] = [:]
    var nextWaiterID = 0
    var shutdownSignal: PollableSignal?
    var acceptThread: NativeThread?
    var connectionThreads: [Int: NativeThread] = [:]
    /// Connection threads that have finished their work and wait to be joined.
    var finishedThreads: [NativeThread] = []
    var nextConnectionID = 0
    /// The gates some request waits on now; a gate's pipe closes when its last waiting request ends.
    var gates: [String: Gate] = [:]
    /// The names `openGate` was called with: later requests for them wait for nothing.
    var openedGates: Set<String> = []

    /// Records a change: wakes every blocked and suspended waiter.
    mutating func changed() {
      generation &+= 1
      for waiter in waiters.values { waiter.wake() }
      waiters = [:]
    }
  }

  /// A gate some request waits on: its pipe, and how many requests wait on it.
  struct Gate {
    let signal: PollableSignal
    var waiting: Int
  }

  enum Phase {
    case ready, starting, running, stopping, stopped
  }

  /// A thread or a task waiting for the next change.
  enum Waiter {
    case thread(DispatchSemaphore)
    case task(CheckedContinuation<Void, Never>)

    func wake() {
      switch self {
      case .thread(let semaphore): semaphore.signal()
      case .task(let continuation): continuation.resume()
      }
    }
  }

  /// A server that has not started yet; call `start()`, or use `withRunning` instead.
  public init(_ configuration: Configuration = Configuration()) {
    self.configuration = configuration
    routeTable = RouteTable(seed: configuration.seed)
  }

  /// The seed this server's bodies derive from.
  public var seed: UInt64 { configuration.seed }

  /// The port the server listens on, read back from the kernel; 0 before `start()`.
  public var port: Int { state.withLock { $0.port } }

  /// `http://127.0.0.1:port`.
  public var baseURL: URL {
    URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/")
  }

  /// The URL of `path` on this server; `path` starts with `/` and may carry a query, like `/doc/3?delay=50`.
  public func url(for path: String) -> URL {
    let absolutePath = path.hasPrefix("/") ? path : "/" + path
    return URL(string: "http://127.0.0.1:\(port)" + absolutePath) ?? baseURL.appendingPathComponent(path)
  }

  /// Whether the server is accepting connections.
  public var isRunning: Bool { state.withLock { $0.phase == .running } }

  // MARK: Predicted answers

  /// The body the server sends for `path` (a query is ignored), or `nil` for `/drop` and `/hang`.
  public func expectedBody(for path: String) -> Data? {
    guard case .respond(let response) = routeTable.plan(for: path).action else { return nil }
    return Data(response.body.bytes)
  }

  /// The body the server sends for `path`, as text; `nil` for `/drop` and `/hang`.
  public func expectedText(for path: String) -> String? {
    expectedBody(for: path).map { String(decoding: $0, as: UTF8.self) }
  }

  /// The status code the server answers `path` with, or `nil` for `/drop` and `/hang`.
  public func expectedStatus(for path: String) -> Int? {
    guard case .respond(let response) = routeTable.plan(for: path).action else { return nil }
    return response.status
  }
}
