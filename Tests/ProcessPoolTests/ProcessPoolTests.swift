import Foundation
import ProcessPool
import ProcessPoolGiven
import Testing
import WorkbookCore
import WorkbookTestSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Chapter 9 · Process pool", .timeline)
struct ProcessPoolTests {
  /// How the code under test had already finished, when it finished before its children started.
  static func early<Success>(_ outcome: Result<Success, any Error>?) -> String {
    switch outcome {
    case .failure(let error): ", because it threw first: \(error)"
    case .success: ", because it returned first"
    case nil: ""
    }
  }

  /// What to look at when a cancelled child keeps running.
  static let stuck =
    "A child inherits the signal mask of the thread that started it: see the lesson, \"Stopping a child\"."

  /// How long a child that sums millions of squares may take: a debug build's arithmetic runs
  /// several times slower while a cold `swift test` still compiles beside it, and this deadline
  /// only turns a hang into a failure.
  static let workDeadline = Liveness.deadline * 6

  // MARK: One child

  @Test("run(_:) returns the exact sum of squares, computed in a child process of this test")
  func runReturnsTheExactSum() async throws {
    var random = WorkbookRandom()
    // Above 3 820 000 the sum no longer fits even a `UInt64`.
    let input = random.int(in: 3_900_000...4_300_000)
    let worker = try Worker(executable: sumWorker())

    let result = try await Liveness.value(deadline: Self.workDeadline) { try await worker.run(input) }

    #expect(result.input == input)
    #expect(result.sum == sumOfSquares(below: input), "wrong sum for n = \(input)")
    #expect(result.processID != getpid(), "the work ran in the test's own process, not in a child")
    #expect(result.parentProcessID == getpid(), "the worker was not a child of this process")
    #expect(
      isGone(result.processID), "child \(result.processID) is still there (a zombie?) after run(_:) returned")
  }

  // R09.2
  @Test("run(_:) reads a child's output to its end, more than a pipe holds, before it waits for the exit")
  func runReadsMoreThanAPipeHolds() async throws {
    var random = WorkbookRandom()
    let input = random.int(in: 0...100_000)
    // The shell prints about 240 KiB of `n=…` fields, more than a pipe's 64 KiB, then becomes the
    // worker, whose line completes the result: a child's output stays readable however long it is.
    let script = #"i=0; while [ $i -lt 9000 ]; do echo "n=$1 n=$1 n=$1"; i=$((i+1)); done; exec "$0" "$1""#
    let worker = try Worker(
      executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script, sumWorker().path])

    let outcome = await Liveness.result(of: Task { try await worker.run(input) })

    let ran = try #require(
      outcome,
      "run(_:) never returned for a child that prints more than a pipe holds: read the output to its end before waiting for the exit"
    )
    let result = try ran.get()
    #expect(result.input == input)
    #expect(result.sum == sumOfSquares(below: input), "wrong sum for n = \(input)")
  }

  // R09.4
  @Test("run(_:) throws the launch's own error when the executable cannot be launched, and returns")
  func runReportsAFailedLaunch() async throws {
    var random = WorkbookRandom()
    let input = random.int(in: 0...100_000)
    let missing = FileManager.default.temporaryDirectory
      .appendingPathComponent("no-such-worker-\(getpid())-\(random.int(in: 0...1_000_000))")
    // What Foundation throws for this executable: `run(_:)` must hand the same error on.
    let probe = Process()
    probe.executableURL = missing
    let launchError = try #require(throws: (any Error).self, "\(missing.path) was launched") {
      try probe.run()
    }
    let worker = Worker(executable: missing)

    let outcome = await Liveness.result(of: Task { try await worker.run(input) })

    let ran = try #require(
      outcome,
      "run(_:) never returned after a failed launch: every path, failures included, must resume the continuation once"
    )
    let error = try #require(throws: (any Error).self, "run(_:) of a missing executable returned") {
      try ran.get()
    }
    #expect(
      (error as NSError).domain == (launchError as NSError).domain
        && (error as NSError).code == (launchError as NSError).code,
      "run(_:) threw \(error), not the launch's own error, \(launchError)")
  }

  // R09.5
  @Test("run(_:) throws a WorkerFailure naming the input when the child exits with status 64")
  func runReportsAFailingExit() async throws {
    var random = WorkbookRandom()
    // The worker refuses a negative n and exits with status 64.
    let input = -random.int(in: 1...1_000_000)
    let worker = try Worker(executable: sumWorker())

    let error = await #expect(throws: WorkerFailure.self) {
      try await Liveness.value { try await worker.run(input) }
    }

    if let error {
      #expect(error == WorkerFailure(input: input, reason: .exited(status: 64)))
      #expect("\(error)".contains("\(input)"), "the error's message does not name input \(input)")
    }
  }

  // R09.6
  @Test("run(_:) throws a WorkerFailure naming the input when the child is killed by a signal")
  func runReportsAKilledChild() async throws {
    var random = WorkbookRandom()
    let input = random.int(in: 0...100_000)
    let worker = try Worker(executable: sumWorker(), arguments: ["--crash-on", "\(input)"])

    let error = await #expect(throws: WorkerFailure.self) {
      try await Liveness.value { try await worker.run(input) }
    }

    if let error {
      #expect(error == WorkerFailure(input: input, reason: .killed(signal: SIGKILL)))
      #expect("\(error)".contains("\(input)"), "the error's message does not name input \(input)")
    }
  }

  // R09.7
  @Test("run(_:) throws a WorkerFailure with the output when a child that exits with 0 prints no result")
  func runReportsUnreadableOutput() async throws {
    var random = WorkbookRandom()
    let input = random.int(in: 0...100_000)
    let word = random.word()
    let worker = Worker(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "echo \(word)"])

    let error = await #expect(throws: WorkerFailure.self) {
      try await Liveness.value { try await worker.run(input) }
    }

    if let error {
      #expect(error == WorkerFailure(input: input, reason: .unreadableOutput("\(word)\n")))
    }
  }

  // R09.8, R09.9
  @Test("cancelling run(_:) kills its child and waits for it before throwing CancellationError")
  func cancellingRunStopsTheChild() async throws {
    var random = WorkbookRandom()
    let input = random.int(in: 0...100_000)
    let gate = try WorkerGate(policy: .closed)
    defer { gate.close() }
    let worker = try Worker(executable: sumWorker(), arguments: gate.arguments)

    let task = Task {
      defer { gate.stopWaiting() }
      return try await worker.run(input)
    }
    let started = await gate.arrivals(atLeast: 1)
    task.cancel()
    // Twice the gate's deadline: a child that was never killed finishes once the gate breaks.
    let outcome = await Liveness.result(of: task, deadline: Liveness.deadline * 2)

    try #require(started, "the child never started and reported to the test\(Self.early(outcome))")
    try #require(
      !gate.isBroken, "the child still ran a whole deadline after cancellation: was it killed? \(Self.stuck)")
    let result = try #require(outcome, "run(_:) did not return after cancellation")
    #expect(throws: CancellationError.self, "a cancelled run(_:) throws CancellationError") {
      try result.get()
    }
    let child = try #require(gate.arrivals.first)
    #expect(
      isGone(child.processID), "child \(child.processID) was left running, or unreaped, after cancellation")
  }

  // R09.11, R09.16
  @Test(
    "run(_:) and map(_:) in a task cancelled before they start throw CancellationError and launch no child")
  func cancelledBeforeStartLaunchesNothing() async throws {
    var random = WorkbookRandom()
    let launches = try LaunchLog()
    defer { launches.remove() }
    let worker = try Worker(
      executable: URL(fileURLWithPath: "/bin/sh"), arguments: launches.arguments(sumWorker()))
    let pool = ProcessPool(worker: worker, processes: random.int(in: 2...3))
    let inputs = (0..<random.int(in: 2...5)).map { _ in random.int(in: 0...100_000) }
    let recorder = TraceRecorder.current

    recorder?.begin("call in a cancelled task", lane: "run(_:)")
    let running = await Liveness.result(
      of: Task {
        withUnsafeCurrentTask { $0?.cancel() }
        return try await worker.run(inputs[0])
      })
    recorder?.end("call in a cancelled task", lane: "run(_:)")
    let runLaunches = launches.count
    if runLaunches > 0 {
      recorder?.violation(
        "run(_:) launched \(runLaunches) child(ren) for a task cancelled before it began", lane: "run(_:)")
    }
    let mapping = await Liveness.result(
      of: Task {
        withUnsafeCurrentTask { $0?.cancel() }
        return try await pool.map(inputs)
      })

    let ran = try #require(running, "run(_:) in a cancelled task never returned")
    #expect(throws: CancellationError.self, "run(_:) in a cancelled task") { try ran.get() }
    #expect(
      runLaunches == 0,
      "run(_:) launched a child for a task cancelled before it began: check for cancellation, under the lock, before the launch"
    )
    let mapped = try #require(mapping, "map(_:) in a cancelled task never returned")
    #expect(throws: CancellationError.self, "map(_:) in a cancelled task") { try mapped.get() }
    #expect(
      launches.count == runLaunches,
      "map(_:) in a cancelled task launched \(launches.count - runLaunches) children")
  }

  // MARK: The pool

  // R09.12
  @Test("map(_:) returns every exact sum, in the order of the inputs")
  func mapReturnsSumsInInputOrder() async throws {
    var random = WorkbookRandom()
    let count = random.int(in: 2...4)
    // Distinct inputs, in the order drawn, so that the gate can tell the children apart.
    var inputs: [Int] = []
    while inputs.count < count {
      let input = random.int(in: 0...200_000)
      if !inputs.contains(input) { inputs.append(input) }
    }
    // One big task, anywhere: its sum is past `UInt64`.
    inputs.insert(random.int(in: 3_900_000...4_300_000), at: random.int(in: 0...inputs.count))
    // All at once, and the gate lets them finish last input first: results arrive in reverse.
    let gate = try WorkerGate(policy: .inReverse(of: inputs))
    defer { gate.close() }
    let pool = try ProcessPool(
      worker: Worker(executable: sumWorker(), arguments: gate.arguments), processes: inputs.count)

    let results = try await Liveness.value(deadline: Self.workDeadline) { [inputs] in
      try await pool.map(inputs)
    }

    #expect(results.map(\.input) == inputs, "results are not in the order of the inputs")
    for result in results {
      #expect(result.sum == sumOfSquares(below: result.input), "wrong sum for n = \(result.input)")
    }
  }

  // R09.1
  @Test("map(_:) runs every input in a child process of its own, started by this test")
  func mapRunsEachInputInItsOwnChild() async throws {
    var random = WorkbookRandom()
    let inputs = (0..<random.int(in: 4...8)).map { _ in random.int(in: 0...100_000) }
    // The shell takes `-c SCRIPT WORKER` first and the input last: only that order runs the worker.
    let launches = try LaunchLog()
    defer { launches.remove() }
    let worker = try Worker(
      executable: URL(fileURLWithPath: "/bin/sh"), arguments: launches.arguments(sumWorker()))
    let pool = ProcessPool(worker: worker, processes: random.int(in: 2...3))

    let results = try await Liveness.value { try await pool.map(inputs) }

    let children = results.map(\.processID)
    #expect(results.count == inputs.count, "\(inputs.count) inputs gave \(results.count) results")
    #expect(launches.count == inputs.count, "\(inputs.count) inputs launched \(launches.count) children")
    #expect(Set(children).count == inputs.count, "inputs shared a process: \(children)")
    #expect(!children.contains(getpid()), "an input ran in the test's own process, not in a child")
    #expect(results.allSatisfy { $0.parentProcessID == getpid() }, "a worker was not a child of this process")
    #expect(children.allSatisfy(isGone), "a child is still there (a zombie?) after map(_:) returned")
  }

  // R09.13, R09.14
  @Test("map(_:) keeps `processes` children alive at once while inputs remain, and never more")
  func mapKeepsTheBound() async throws {
    var random = WorkbookRandom()
    let processes = random.int(in: 2...4)
    // Tasks big enough that a child the gate lets go is still at work when an extra child, started
    // by a pool that runs too many, reports.
    let inputs = (0..<(processes + random.int(in: 2...4))).map { _ in random.int(in: 600_000...1_000_000) }
    // The gate holds each worker before it works, and lets the oldest go only once `processes`
    // of them are waiting: a pool that ever runs fewer at once never gets past it, and one that
    // runs more is counted when the extra child reports.
    let gate = try WorkerGate(policy: .fill(bound: processes, total: inputs.count))
    defer { gate.close() }
    gate.traceBound(processes)
    let pool = try ProcessPool(
      worker: Worker(executable: sumWorker(), arguments: gate.arguments), processes: processes)

    // Twice the gate's deadline: a pool the gate cannot get past finishes once the gate breaks.
    let results = try await Liveness.value(deadline: Liveness.deadline * 2) { try await pool.map(inputs) }

    #expect(results.map(\.input) == inputs)
    #expect(
      !gate.isBroken, "the pool never had \(processes) children alive at once (processes: \(processes))")
    let mostAlive = gate.mostAlive
    #expect(mostAlive <= processes, "\(mostAlive) children were alive at once, with processes: \(processes)")
    if mostAlive < processes {
      Issue.record("at most \(mostAlive) children were alive at once, not \(processes)")
    }
    #expect(
      gate.arrivals.count == inputs.count, "\(gate.arrivals.count) children ran for \(inputs.count) inputs")
  }

  // R09.15
  @Test("a child that dies fails map(_:) with a WorkerFailure naming its input, and leaves no child behind")
  func mapReportsAFailedChild() async throws {
    var random = WorkbookRandom()
    let processes = random.int(in: 2...3)
    let count = processes + random.int(in: 1...3)
    // Distinct inputs, in the order drawn: only the doomed one crashes.
    var drawn: [Int] = []
    while drawn.count < count {
      let input = random.int(in: 0...100_000)
      if !drawn.contains(input) { drawn.append(input) }
    }
    let inputs = drawn
    // One of the first window dies, while the others are still held at the gate: the pool must
    // stop them, and inputs remain that it must not start.
    let doomed = inputs[random.int(in: 0...(processes - 1))]
    let gate = try WorkerGate(policy: .release(input: doomed, once: processes))
    defer { gate.close() }
    let worker = try Worker(executable: sumWorker(), arguments: gate.arguments + ["--crash-on", "\(doomed)"])
    let pool = ProcessPool(worker: worker, processes: processes)

    let error = await #expect(throws: WorkerFailure.self) {
      try await Liveness.value(deadline: Liveness.deadline * 2) { try await pool.map(inputs) }
    }

    if let error {
      #expect(error == WorkerFailure(input: doomed, reason: .killed(signal: SIGKILL)))
    }
    #expect(
      !gate.isBroken,
      "map(_:) waited a whole deadline for children still at work after one failed: stop them, and throw")
    let children = gate.arrivals
    #expect(
      children.count <= processes,
      "\(children.count - processes) children started after a child had failed (processes: \(processes))")
    let left = children.filter { !isGone($0.processID) }
    #expect(left.isEmpty, "children still there after map(_:) threw: \(left.map(\.processID))")
  }

  // R09.16
  @Test("cancelling map(_:) stops every child, waits for them, and starts no new one")
  func cancellingMapStopsEveryChild() async throws {
    var random = WorkbookRandom()
    let processes = random.int(in: 2...3)
    let inputs = (0..<(processes + random.int(in: 1...3))).map { _ in random.int(in: 0...100_000) }
    let gate = try WorkerGate(policy: .closed)
    defer { gate.close() }
    let pool = try ProcessPool(
      worker: Worker(executable: sumWorker(), arguments: gate.arguments), processes: processes)

    let task = Task {
      defer { gate.stopWaiting() }
      return try await pool.map(inputs)
    }
    let started = await gate.arrivals(atLeast: processes)
    gate.noteCancelled()
    task.cancel()
    // Twice the gate's deadline: a child that was never killed finishes once the gate breaks.
    let outcome = await Liveness.result(of: task, deadline: Liveness.deadline * 2)

    try #require(started, "\(processes) children never ran at once\(Self.early(outcome))")
    try #require(
      !gate.isBroken,
      "children still ran a whole deadline after cancellation: were they killed? \(Self.stuck)")
    let result = try #require(outcome, "map(_:) did not return after cancellation")
    #expect(throws: CancellationError.self, "a cancelled map(_:) throws CancellationError") {
      try result.get()
    }
    let children = gate.arrivals
    #expect(children.count == processes, "\(children.count - processes) children started after cancellation")
    let left = children.filter { !isGone($0.processID) }
    #expect(left.isEmpty, "children still there after cancellation: \(left.map(\.processID))")
  }
}

// MARK: - Fixtures

/// The `sum-worker` executable built with these tests.
private func sumWorker() throws -> URL {
  let url = BuiltProducts.executable(named: "sum-worker")
  try #require(
    FileManager.default.isExecutableFile(atPath: url.path),
    "no sum-worker at \(url.path): build the package's products with the tests (swift build --build-tests)"
  )
  return url
}

/// A file that every child started through `arguments(_:)` writes a line to before it runs the worker.
///
/// A child's shell writes the line and then becomes the worker (`exec`), so a child launched and
/// waited for has always written it: counting lines counts launches, without a clock.
private final class LaunchLog: Sendable {
  let path = FileManager.default.temporaryDirectory
    .appendingPathComponent("launches-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path

  init() throws {
    try #require(FileManager.default.createFile(atPath: path, contents: nil), "could not create \(path)")
  }

  /// The arguments for `/bin/sh` that log the launch, then run `worker` with the input that follows.
  func arguments(_ worker: URL) -> [String] {
    ["-c", "echo launched >> '\(path)'; exec \"$0\" \"$@\"", worker.path]
  }

  /// How many children have been launched.
  var count: Int {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// The sum of i * i for every i in 0..<n, by the closed form (n - 1) n (2n - 1) / 6.
private func sumOfSquares(below n: Int) -> UInt128 {
  guard n > 0 else { return 0 }
  let n = UInt128(n)
  return (n - 1) * n * (2 * n - 1) / 6
}

/// Whether no process `pid` exists any more, not even as a zombie waiting to be reaped.
private func isGone(_ pid: Int32) -> Bool {
  kill(pid, 0) == -1 && errno == ESRCH
}

/// Closes a file descriptor (a method named `close` would hide the C function).
private func closeDescriptor(_ descriptor: Int32) {
  _ = close(descriptor)
}

/// Marks a bound socket as accepting connections (`Socket.listen(at:)` would hide the C function).
private func listenOn(_ descriptor: Int32, backlog: Int32) -> Int32 {
  listen(descriptor, backlog)
}

/// A Unix-socket server that `sum-worker --hold PATH` children report to and wait on.
///
/// Each child connects, sends `pid=… n=…` and waits until the gate sends it a byte. The child's
/// connection closes when it dies, before its parent can reap it, so the gate knows how many
/// children are alive, counting only real processes. The policy decides when each child may go on.
///
/// No timing decides anything: if nothing happens for `Liveness.deadline`, the gate breaks, lets
/// every child go and wakes every waiter, so a wrong pool fails instead of hanging.
// `@unchecked Sendable`: the `observed` state is guarded by `condition`; everything else belongs
// to the gate's own thread, apart from the `let`s.
private final class WorkerGate: @unchecked Sendable {
  enum Policy {
    /// Lets every child go as soon as it has reported.
    case open
    /// Keeps every child waiting until the gate closes.
    case closed
    /// Keeps children waiting until `bound` are waiting at once, then lets the oldest go; once
    /// `total` have reported, lets them all go.
    case fill(bound: Int, total: Int)
    /// Keeps children waiting until one for every input has reported, then lets them go one at a
    /// time, the last input's first, each once the one before has died.
    case inReverse(of: [Int])
    /// Keeps children waiting; once `count` have reported, lets the one for `input` go, alone.
    case release(input: Int, once: Int)
  }

  /// A child that reported to the gate.
  struct Arrival: Sendable {
    let processID: Int32
    let input: Int
  }

  /// The socket's path.
  let path: String
  private let policy: Policy
  private let listener: Int32
  private let wakeReader: Int32
  private let wakeWriter: Int32
  private let finished = DispatchSemaphore(value: 0)

  private let condition = NSCondition()
  private var observed = (arrivals: [Arrival](), mostAlive: 0, isBroken: false, isStopped: false)
  /// The test's timeline: each child's life, from its hello to its closed connection.
  private let recorder = TraceRecorder.current
  private var isCancelled = false

  /// The arguments that make `sum-worker` report to this gate.
  var arguments: [String] { ["--hold", path] }

  /// A gate listening on a new socket, already serving on a thread of its own.
  init(policy: Policy) throws {
    self.policy = policy
    // sockaddr_un holds about 100 bytes: a short path under /tmp, unique to this gate.
    path = "/tmp/sum-worker-gate-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
    listener = try Socket.listen(at: path)
    (wakeReader, wakeWriter) = try Socket.pair()
    Thread { [self] in serve() }.start()
  }

  /// Every child that has reported, in order.
  var arrivals: [Arrival] { condition.withLock { observed.arrivals } }
  /// The most children alive at once, counted each time one reported.
  var mostAlive: Int { condition.withLock { observed.mostAlive } }
  /// Whether nothing happened for a whole deadline, so the gate gave up and let every child go.
  var isBroken: Bool { condition.withLock { observed.isBroken } }

  /// Waits until `count` children have reported; `false` if the gate broke or `stopWaiting()` came first.
  func arrivals(atLeast count: Int) async -> Bool {
    // A thread of its own: this wait blocks, and the cooperative pool must keep running the pool.
    await withCheckedContinuation { continuation in
      Thread { [self] in
        condition.lock()
        let limit = Date(timeIntervalSinceNow: Liveness.deadline.timeInterval)
        while observed.arrivals.count < count && !observed.isBroken && !observed.isStopped {
          if !condition.wait(until: limit) { break }
        }
        let arrived = observed.arrivals.count >= count
        condition.unlock()
        continuation.resume(returning: arrived)
      }.start()
    }
  }

  /// Declares, in the test's timeline, that at most `bound` children may be alive at once.
  func traceBound(_ bound: Int) {
    recorder?.bound(TraceBound(.atMost, bound, of: "child alive", enters: "started", state: "alive"))
  }

  /// Marks the moment the test cancelled the pool: a child that reports after it breaks the order.
  func noteCancelled() {
    condition.withLock { isCancelled = true }
    recorder?.instant("cancelled", lane: "test")
  }

  /// Wakes every waiter: the code under test has finished, and nothing more will report.
  func stopWaiting() {
    condition.withLock {
      observed.isStopped = true
      condition.broadcast()
    }
  }

  /// Stops the gate: every child still connected goes on, and the socket file is removed.
  func close() {
    stopWaiting()
    var byte: UInt8 = 0
    _ = write(wakeWriter, &byte, 1)
    finished.wait()
  }

  // MARK: The gate's thread

  private struct Connection {
    let descriptor: Int32
    let input: Int
    var isReleased = false
    var lane: String?
  }

  private var connections: [Connection] = []

  private func serve() {
    var lastEvent = ContinuousClock.now
    var broken = false
    serving: while true {
      var polled = [pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)]
      polled.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
      polled += connections.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
      let remaining = lastEvent + Liveness.deadline - ContinuousClock.now
      let timeout = broken ? -1 : max(0, Int32(remaining.timeInterval * 1000))
      let ready = poll(&polled, nfds_t(polled.count), timeout)
      if ready < 0 {
        if errno == EINTR { continue }
        break serving
      }
      if ready == 0 {
        // Nothing for a whole deadline: break, so a pool that is stuck finishes and fails.
        broken = true
        condition.withLock {
          observed.isBroken = true
          condition.broadcast()
        }
        releaseAll()
        continue
      }
      lastEvent = .now
      if polled[0].revents != 0 { break serving }
      dropClosedConnections()
      if polled[1].revents != 0 {
        acceptWaitingChildren()
      }
      if broken { releaseAll() } else { applyPolicy() }
    }
    for connection in connections {
      closeDescriptor(connection.descriptor)
      if let lane = connection.lane { recorder?.end("child alive", lane: lane) }
    }
    connections = []
    closeDescriptor(listener)
    closeDescriptor(wakeReader)
    closeDescriptor(wakeWriter)
    unlink(path)
    finished.signal()
  }

  /// Forgets every child whose connection has closed: it has died.
  private func dropClosedConnections() {
    guard !connections.isEmpty else { return }
    var polled = connections.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
    guard poll(&polled, nfds_t(polled.count), 0) > 0 else { return }
    var open: [Connection] = []
    for (connection, state) in zip(connections, polled) {
      // A child sends nothing after its hello, so anything readable is the end of the stream.
      if state.revents != 0 {
        closeDescriptor(connection.descriptor)
        if let lane = connection.lane { recorder?.end("child alive", lane: lane) }
      } else {
        open.append(connection)
      }
    }
    connections = open
  }

  /// Accepts every child that has connected and records its hello.
  private func acceptWaitingChildren() {
    while let descriptor = Socket.accept(listener) {
      // A child connects only after the children before it have died: look for their closed
      // connections first, so a dead child never counts as alive next to its successor.
      dropClosedConnections()
      guard let hello = Socket.readLine(descriptor), let arrival = Self.arrival(from: hello) else {
        // Killed before it could say hello: it is already gone.
        closeDescriptor(descriptor)
        continue
      }
      let lane = recorder?.newLane(prefix: "C")
      if let lane {
        recorder?.begin("child alive", lane: lane, "pid \(arrival.processID), input \(arrival.input)")
        if condition.withLock({ isCancelled }) {
          recorder?.violation(
            "\(lane) started after map(_:) was cancelled: a cancelled pool starts no child", lane: lane)
        }
      }
      connections.append(Connection(descriptor: descriptor, input: arrival.input, lane: lane))
      condition.withLock {
        observed.arrivals.append(arrival)
        observed.mostAlive = max(observed.mostAlive, connections.count)
        condition.broadcast()
      }
    }
  }

  private func applyPolicy() {
    switch policy {
    case .open:
      releaseAll()
    case .closed:
      break
    case .fill(let bound, let total):
      if arrivals.count >= total {
        releaseAll()
        return
      }
      while connections.filter({ !$0.isReleased }).count >= bound {
        guard let oldest = connections.firstIndex(where: { !$0.isReleased }) else { break }
        release(at: oldest)
      }
    case .inReverse(let inputs):
      // One at a time: the child let go last must have died (its connection dropped) first.
      guard arrivals.count >= inputs.count, !connections.contains(where: \.isReleased) else { return }
      let latest = connections.indices.max { first, second in
        (inputs.lastIndex(of: connections[first].input) ?? 0)
          < (inputs.lastIndex(of: connections[second].input) ?? 0)
      }
      if let latest { release(at: latest) }
    case .release(let input, let count):
      guard arrivals.count >= count else { return }
      for index in connections.indices
      where connections[index].input == input && !connections[index].isReleased {
        release(at: index)
      }
    }
  }

  private func releaseAll() {
    for index in connections.indices where !connections[index].isReleased {
      release(at: index)
    }
  }

  private func release(at index: Int) {
    Socket.sendByte(connections[index].descriptor)
    connections[index].isReleased = true
  }

  private static func arrival(from hello: String) -> Arrival? {
    var processID: Int32?
    var input: Int?
    for field in hello.split(separator: " ") {
      if field.hasPrefix("pid=") { processID = Int32(field.dropFirst(4)) }
      if field.hasPrefix("n=") { input = Int(field.dropFirst(2)) }
    }
    guard let processID, let input else { return nil }
    return Arrival(processID: processID, input: input)
  }
}

/// The few socket calls the gate needs. Every descriptor is close-on-exec, so no child inherits
/// one and keeps another child's connection open.
private enum Socket {
  struct Failure: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
  }

  static func listen(at path: String) throws -> Int32 {
    #if canImport(Glibc)
      let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    #else
      let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
      if descriptor >= 0 { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    #endif
    guard descriptor >= 0 else { throw Failure(call: "socket", code: errno) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
      throw Failure(call: "bind", code: ENAMETOOLONG)
    }
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      buffer.copyBytes(from: bytes)
      buffer[bytes.count] = 0
    }
    unlink(path)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard bound == 0, listenOn(descriptor, backlog: 64) == 0 else {
      let code = errno
      closeDescriptor(descriptor)
      throw Failure(call: "bind/listen", code: code)
    }
    // Non-blocking, so the gate accepts every waiting child and then goes back to poll().
    _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    return descriptor
  }

  /// Accepts a waiting connection as a blocking socket; `nil` when none is waiting.
  static func accept(_ listener: Int32) -> Int32? {
    while true {
      #if canImport(Glibc)
        let descriptor = accept4(listener, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
      #else
        let descriptor = Darwin.accept(listener, nil, nil)
        if descriptor >= 0 {
          _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
          var on: Int32 = 1
          setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
          _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        }
      #endif
      if descriptor >= 0 { return descriptor }
      if errno == EINTR || errno == ECONNABORTED { continue }
      return nil
    }
  }

  /// Reads one line; `nil` if the stream ends first.
  static func readLine(_ descriptor: Int32) -> String? {
    var line: [UInt8] = []
    var byte: UInt8 = 0
    while true {
      let count = recv(descriptor, &byte, 1, 0)
      if count < 0 && errno == EINTR { continue }
      guard count == 1 else { return nil }
      if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
      line.append(byte)
    }
  }

  /// Sends one byte; a child that has died meanwhile is no error, and raises no SIGPIPE.
  static func sendByte(_ descriptor: Int32) {
    var byte = UInt8(ascii: "g")
    #if canImport(Glibc)
      _ = send(descriptor, &byte, 1, Int32(MSG_NOSIGNAL))
    #else
      _ = send(descriptor, &byte, 1, 0)
    #endif
  }

  /// A connected pair of sockets, to wake the gate's thread.
  static func pair() throws -> (reader: Int32, writer: Int32) {
    var descriptors: [Int32] = [0, 0]
    #if canImport(Glibc)
      let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
      guard socketpair(AF_UNIX, kind, 0, &descriptors) == 0 else {
        throw Failure(call: "socketpair", code: errno)
      }
    #else
      guard socketpair(AF_UNIX, SOCK_STREAM, 0, &descriptors) == 0 else {
        throw Failure(call: "socketpair", code: errno)
      }
      for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    #endif
    return (descriptors[0], descriptors[1])
  }

  #if canImport(Glibc)
    /// `accept4(2)`, which accepts and sets close-on-exec in one step; Swift's Glibc module leaves it out.
    private static func accept4(
      _ listener: Int32,
      _ address: UnsafeMutablePointer<sockaddr>?,
      _ length: UnsafeMutablePointer<socklen_t>?,
      _ flags: Int32
    ) -> Int32 {
      typealias Accept4 =
        @convention(c) (
          Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32
        ) -> Int32
      guard let symbol = dlsym(nil, "accept4") else {
        errno = ENOSYS
        return -1
      }
      return unsafeBitCast(symbol, to: Accept4.self)(listener, address, length, flags)
    }
  #endif
}
