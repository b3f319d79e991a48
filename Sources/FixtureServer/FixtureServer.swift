import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A real HTTP/1.1 server on 127.0.0.1 that every fetching exercise and its tests talk to.
///
/// The server answers a handful of routes with bodies derived from a seed of its own, and counts what
/// it sees: requests started, in flight, served and cancelled by the client. A test proves what a
/// client did by reading those counts ("five requests were in flight at once", "the client gave up
/// on `/hang`"), never by timing it. Each connection is served on a thread of its own, so a slow
/// route never holds up another client.
///
/// ## Routes
///
/// | Route            | Answer                                                                  |
/// |------------------|-------------------------------------------------------------------------|
/// | `/`              | the list of routes                                                      |
/// | `/page/{name}`   | a short text page                                                       |
/// | `/delay/{ms}`    | a page, answered after `ms` milliseconds (0 to 600 000)                 |
/// | `/status/{code}` | a page with status `code` (200 to 599; 204 and 304 have no body)        |
/// | `/bytes/{n}`     | exactly `n` random letters and digits (0 to 64 MiB)                     |
/// | `/doc/{id}`      | 24 to 96 lowercase words, eight to a line: a document for a scraper     |
/// | `/gate/{name}`   | a page, answered once the test calls `openGate(name)`                   |
/// | `/drop`          | no answer: the server closes the connection                             |
/// | `/hang`          | no answer until the client hangs up (cancelled) or the server stops     |
///
/// Every route takes two query options: `?delay=ms` waits before answering and `?gate=name` waits
/// for `openGate(name)`, so `/doc/3?gate=go` is document 3, held until the test opens `go` (a `delay`
/// that is not a number from 0 to 600 000 gets 400). Other paths get 404. Bodies depend on the seed and the path only, never on the query: the server tells
/// you what any path answers with `expectedBody(for:)`, `expectedText(for:)` and
/// `expectedStatus(for:)`, so tests compute exact answers without hard-coding them.
///
/// ## Running a server in a test
///
/// `withRunning` starts a server on a free port, hands it to your closure and always shuts it down,
/// also when the closure throws. Pass a seed from `WorkbookRandom` so a failing run can be replayed:
///
///     var random = WorkbookRandom()
///     try FixtureServer.withRunning(.init(seed: random.next())) { server in
///       let urls = (1...5).map { server.url(for: "/doc/\($0)?gate=go") }
///       // Start the code under test on its own thread(s): it fetches `urls`.
///       // ...
///       // All five requests waiting at the gate together proves they overlap.
///       #expect(server.waitUntil(inFlight: 5))
///       server.openGate("go")
///       // Collect the results, then compare them with what the server says it sent.
///       #expect(bodies[0] == server.expectedBody(for: "/doc/1"))
///       #expect(server.statistics.served("/doc/1") == 1)
///       #expect(server.statistics.peakInFlight == 5)
///     }
///
/// In an `async` test, `try await FixtureServer.withRunning { server in … }` and
/// `await server.waitUntil(inFlight: 5)` are the same calls, suspending instead of blocking.
///
/// ## Waiting without sleeping
///
/// A request reaches the server some time after the client sends it, and is counted as ended some
/// time after the client has read the response. So wait for a count instead of expecting it at
/// once: `waitUntil(inFlight:)` returns when that many requests are in flight at the same time, and
/// `waitUntil(_:)` when a condition on `statistics` holds. Both give up after `timeout` (10 seconds
/// by default) and return `false`: the timeout only turns a hang into a failure, it never decides a
/// passing test.
///
///     // Prove a client gives up on a request that never answers:
///     #expect(server.waitUntil(inFlight: 1))            // the request for /hang has arrived
///     // ... the client times out or is cancelled, closing its connection ...
///     #expect(server.waitUntil { $0.cancelledPaths == ["/hang"] })
///
/// That lag cuts both ways: `inFlight` may still count a request whose answer the client has read.
/// When earlier requests went to the same server, wait on `startedRequests` as well. Use
/// `resetStatistics()` between phases of a test; `peakInFlight` then starts again from the requests
/// in flight now.
///
/// ## What the server guarantees
///
/// - It listens on 127.0.0.1 only, port 0 (any free port) unless you pick one; read it from `port`.
/// - HTTP/1.1 keep-alive, including pipelined requests; `Connection: close` and HTTP/1.0 close after
///   the response. A connection idle for `Configuration.idleTimeout` is closed.
/// - GET and HEAD only (405 otherwise). A malformed head (an HTTP/1.1 one without `Host`, too)
///   gets 400, a head over `Configuration.maximumHeadBytes` 431, and the connection is closed after
///   either.
/// - A request waiting on a delay, a gate or `/hang` notices the client closing its connection and
///   is counted as cancelled, as is a response the client stops reading and hangs up on. (A client
///   that only shuts down its sending side looks the same while a request waits: it counts as gone.)
/// - `shutdown()` closes the listener and every connection, wakes every waiting request and joins
///   every thread: afterwards `statistics.liveThreads` and `liveConnections` are 0. Never call it
///   from the `log` closure, which runs on a connection thread.
/// - A client that hangs up mid-response never raises SIGPIPE.
/// - A client that retries (libcurl, under URLSession, retries a request once when a reused
///   connection closes without an answer) makes two requests: count `/drop` on fresh connections.
///
/// ## From the command line
///
/// `swift run fixture-server --port 8080` runs one until you press Ctrl-C, so you can try the routes
/// with `curl` while you work through a chapter.
// `@unchecked Sendable`: every stored var is read and written only while `monitor` is locked.
public final class FixtureServer: @unchecked Sendable {
  /// How this server was configured.
  public let configuration: Configuration
  let routeTable: RouteTable

  private let monitor = NSCondition()
  private var phase = Phase.ready
  private var boundPort = 0
  private var counts = Statistics()
  /// Bumped on every change to `counts` or `phase`, so a waiter never misses one.
  private var generation = 0
  private var changeWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
  private var nextWaiterID = 0
  private var shutdownSignal: PollableSignal?
  private var acceptThread: NativeThread?
  private var connectionThreads: [Int: NativeThread] = [:]
  /// Connection threads that have finished their work and wait to be joined.
  private var finishedThreads: [NativeThread] = []
  private var nextConnectionID = 0
  private var gates: [String: PollableSignal] = [:]
  private var openGates: Set<String> = []

  private enum Phase {
    case ready, starting, running, stopping, stopped
  }

  /// A server that has not started yet; call `start()`, or use `withRunning` instead.
  public init(_ configuration: Configuration = Configuration()) {
    self.configuration = configuration
    routeTable = RouteTable(seed: configuration.seed)
  }

  /// The seed this server's bodies derive from.
  public var seed: UInt64 { configuration.seed }

  /// The port the server listens on, read back from the kernel; 0 before `start()`.
  public var port: Int { locked { boundPort } }

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
  public var isRunning: Bool { locked { phase == .running } }

  // MARK: Starting and stopping

  /// Runs `body` with a started server, and shuts the server down when `body` returns or throws.
  public static func withRunning<Result>(
    _ configuration: Configuration = Configuration(),
    _ body: (FixtureServer) throws -> Result
  ) throws -> Result {
    let server = FixtureServer(configuration)
    try server.start()
    defer { server.shutdown() }
    return try body(server)
  }

  /// Runs `body` with a started server, and shuts the server down when `body` returns or throws.
  public static func withRunning<Result>(
    _ configuration: Configuration = Configuration(),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (FixtureServer) async throws -> Result
  ) async throws -> Result {
    let server = FixtureServer(configuration)
    try server.start()
    defer { server.shutdown() }
    return try await body(server)
  }

  /// Binds 127.0.0.1, starts accepting connections, and returns once `port` is known.
  ///
  /// A server starts once; starting it again, or after `shutdown()`, throws.
  public func start() throws {
    try locked { () throws(FixtureServerError) in
      guard phase == .ready else {
        throw FixtureServerError(operation: "start() on a server already started", code: 0)
      }
      phase = .starting
    }
    do {
      let signal = try PollableSignal()
      let listener: (fd: Int32, port: Int)
      do {
        listener = try openListener(port: configuration.port)
      } catch {
        signal.close()
        throw error
      }
      monitor.lock()
      defer { monitor.unlock() }
      counts.liveThreads += 1
      guard
        let thread = NativeThread.spawn(
          stackSize: configuration.threadStackSize,
          { [self] in acceptConnections(listener: listener.fd, signal: signal) })
      else {
        counts.liveThreads -= 1
        closeDescriptor(listener.fd)
        signal.close()
        throw FixtureServerError(operation: "starting the accept thread", code: 0)
      }
      acceptThread = thread
      shutdownSignal = signal
      boundPort = listener.port
      phase = .running
      changed()
    } catch {
      // A server that failed to start is stopped: `shutdown()` returns at once, `start()` throws again.
      locked {
        phase = .stopped
        changed()
      }
      throw error
    }
  }

  /// Stops the server: closes the listener and every connection, and returns once every thread has ended.
  ///
  /// Requests still waiting (on a delay, a gate or `/hang`) end without an answer and are counted as
  /// neither served nor cancelled. Calling it again, or on a server never started, does nothing.
  public func shutdown() {
    monitor.lock()
    while phase == .starting || phase == .stopping { monitor.wait() }
    guard phase == .running else {
      phase = .stopped
      monitor.unlock()
      return
    }
    phase = .stopping
    let signal = shutdownSignal
    let accepting = acceptThread
    acceptThread = nil
    monitor.unlock()

    // The signal wakes the accept thread and every connection thread out of `poll`.
    signal?.fire()
    accepting?.join()
    // The accept thread has ended, so no connection thread starts any more: wait for the rest.
    monitor.lock()
    while !connectionThreads.isEmpty { monitor.wait() }
    let finished = finishedThreads
    finishedThreads = []
    monitor.unlock()
    for thread in finished { thread.join() }

    locked {
      // No thread polls a signal any more, so the pipes can close. Under the lock, so `openGate` never
      // writes to a closed descriptor.
      for gate in gates.values { gate.close() }
      gates = [:]
      signal?.close()
      shutdownSignal = nil
      phase = .stopped
      changed()
    }
  }

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

  // MARK: Gates

  /// Opens the gate `name`: every request waiting for it is answered, and so is every later one.
  public func openGate(_ name: String) {
    locked {
      guard openGates.insert(name).inserted else { return }
      gates[name]?.fire()
    }
  }

  enum GateState {
    case open
    case closed(PollableSignal)
    /// The server is shutting down: the request ends unanswered, like every other waiting request.
    case stopping
    /// The gate's pipe could not be made: no descriptors left.
    case unavailable
  }

  /// The gate `name` as a request sees it, creating its signal the first time a request waits for it.
  func gate(named name: String) -> GateState {
    locked {
      if openGates.contains(name) { return .open }
      if let signal = gates[name] { return .closed(signal) }
      guard phase == .running else { return .stopping }
      guard let signal = try? PollableSignal() else { return .unavailable }
      gates[name] = signal
      return .closed(signal)
    }
  }

  // MARK: Statistics

  /// A snapshot of what the server has counted.
  public var statistics: Statistics { locked { counts } }

  /// Starts the counts again from zero; `peakInFlight` starts from the requests in flight now.
  ///
  /// Counts of what exists now (`inFlight`, `liveConnections`, `liveThreads`) are kept.
  public func resetStatistics() {
    locked {
      var fresh = Statistics()
      fresh.inFlight = counts.inFlight
      fresh.peakInFlight = counts.inFlight
      fresh.liveConnections = counts.liveConnections
      fresh.liveThreads = counts.liveThreads
      counts = fresh
      changed()
    }
  }

  /// Waits until at least `count` requests are in flight at once; `false` if `timeout` passed first.
  @discardableResult
  public func waitUntil(inFlight count: Int, timeout: Duration = .seconds(10)) -> Bool {
    waitUntil(timeout: timeout) { $0.inFlight >= count }
  }

  /// Waits until `condition` holds for the statistics; `false` if `timeout` passed first.
  ///
  /// `condition` runs on your thread, once now and again after every change the server counts.
  @discardableResult
  public func waitUntil(timeout: Duration = .seconds(10), _ condition: (Statistics) -> Bool) -> Bool {
    let (seconds, attoseconds) = timeout.components
    let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18)
    while true {
      let (snapshot, seen) = locked { (counts, generation) }
      if condition(snapshot) { return true }
      monitor.lock()
      while generation == seen {
        if !monitor.wait(until: deadline) {
          monitor.unlock()
          return condition(statistics)
        }
      }
      monitor.unlock()
    }
  }

  /// Waits until at least `count` requests are in flight at once; `false` if `timeout` passed first or
  /// the task was cancelled.
  @discardableResult
  public func waitUntil(inFlight count: Int, timeout: Duration = .seconds(10)) async -> Bool {
    await waitUntil(timeout: timeout) { $0.inFlight >= count }
  }

  /// Waits until `condition` holds for the statistics; `false` if `timeout` passed first or the task
  /// was cancelled.
  @discardableResult
  public func waitUntil(
    timeout: Duration = .seconds(10), _ condition: @Sendable (Statistics) -> Bool
  ) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
      let (snapshot, seen) = locked { (counts, generation) }
      if condition(snapshot) { return true }
      if ContinuousClock.now >= deadline || Task.isCancelled { return false }
      await nextChange(after: seen, deadline: deadline)
    }
  }

  /// Suspends until the statistics change after generation `seen`, the deadline passes, or the task is
  /// cancelled.
  private func nextChange(after seen: Int, deadline: ContinuousClock.Instant) async {
    let id = locked {
      nextWaiterID += 1
      return nextWaiterID
    }
    let timer = Task { [self] in
      try? await Task.sleep(until: deadline, clock: .continuous)
      resumeWaiter(id)
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        locked {
          // Checked under the lock that `changed()` and the timer take, so no wake-up is lost.
          if generation != seen || ContinuousClock.now >= deadline || Task.isCancelled {
            continuation.resume()
          } else {
            changeWaiters[id] = continuation
          }
        }
      }
    } onCancel: {
      resumeWaiter(id)
    }
    timer.cancel()
  }

  private func resumeWaiter(_ id: Int) {
    locked { changeWaiters.removeValue(forKey: id) }?.resume()
  }

  /// Records a change: wakes blocked and suspended waiters. Call it with `monitor` locked.
  private func changed() {
    generation &+= 1
    monitor.broadcast()
    for waiter in changeWaiters.values { waiter.resume() }
    changeWaiters = [:]
  }

  private func locked<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result
  {
    monitor.lock()
    defer { monitor.unlock() }
    return try body()
  }

  // MARK: Counting, for connections

  func requestStarted(path: String) {
    locked {
      counts.startedRequests += 1
      counts.startedByPath[path, default: 0] += 1
      counts.inFlight += 1
      counts.peakInFlight = max(counts.peakInFlight, counts.inFlight)
      changed()
    }
  }

  func requestEnded(path: String, outcome: Connection.Outcome, line: String) {
    locked {
      counts.inFlight -= 1
      switch outcome {
      case .served: counts.servedByPath[path, default: 0] += 1
      case .cancelled: counts.cancelledPaths.append(path)
      case .abandoned: break
      }
      changed()
    }
    configuration.log?(line)
  }

  func noteRejectedRequest(line: String) {
    locked {
      counts.rejectedRequests += 1
      changed()
    }
    configuration.log?(line)
  }

  func noteIdleTimeout() {
    locked {
      counts.idleTimeouts += 1
      changed()
    }
  }

  // MARK: Threads

  /// The accept thread: hands each new connection to a thread of its own until the shutdown signal.
  private func acceptConnections(listener: Int32, signal: PollableSignal) {
    defer {
      closeDescriptor(listener)
      locked {
        counts.liveThreads -= 1
        changed()
      }
    }
    while true {
      var fds = [
        pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
        pollfd(fd: signal.readEnd, events: Int16(POLLIN), revents: 0),
      ]
      _ = pollRetrying(&fds, timeout: -1)
      if fds[1].revents != 0 { return }
      acceptPending(listener: listener, signal: signal)
      joinFinishedThreads()
    }
  }

  /// Accepts every connection waiting on the listener.
  private func acceptPending(listener: Int32, signal: PollableSignal) {
    while true {
      let fd = accept(listener, nil, nil)
      if fd < 0 {
        switch errno {
        case EINTR, ECONNABORTED:
          continue
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
          // Out of descriptors: give connections a moment to close rather than spin on a ready listener.
          var fds = [pollfd(fd: signal.readEnd, events: Int16(POLLIN), revents: 0)]
          _ = pollRetrying(&fds, timeout: 50)
          return
        default:
          return
        }
      }
      guard configureConnection(fd) else {
        closeDescriptor(fd)
        continue
      }
      startConnectionThread(fd: fd, signal: signal)
    }
  }

  private func startConnectionThread(fd: Int32, signal: PollableSignal) {
    // Locked across the spawn, so the thread cannot finish before it is registered.
    locked {
      nextConnectionID += 1
      let id = nextConnectionID
      let thread = NativeThread.spawn(stackSize: configuration.threadStackSize) { [self] in
        Connection(fd: fd, server: self, shutdownSignal: signal).run()
        connectionThreadFinished(id)
      }
      guard let thread else {
        closeDescriptor(fd)
        return
      }
      connectionThreads[id] = thread
      counts.acceptedConnections += 1
      counts.liveConnections += 1
      counts.liveThreads += 1
      changed()
    }
  }

  /// The last thing a connection thread does, after closing its socket.
  private func connectionThreadFinished(_ id: Int) {
    locked {
      if let thread = connectionThreads.removeValue(forKey: id) {
        finishedThreads.append(thread)
      }
      counts.liveConnections -= 1
      counts.liveThreads -= 1
      changed()
    }
  }

  /// Joins the connection threads that have ended, so their stacks are freed while the server runs.
  private func joinFinishedThreads() {
    let finished = locked {
      defer { finishedThreads = [] }
      return finishedThreads
    }
    for thread in finished { thread.join() }
  }
}
