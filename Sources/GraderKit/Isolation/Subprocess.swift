import Foundation
import GraderProcessControl
import Synchronization
import WorkbookCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A child process in a process group of its own, killed with its whole group at a deadline.
///
/// Students' code deadlocks, loops forever, floods its output and leaves children behind. Each
/// of those must cost one chapter and never the grader: the group lets one `kill` reach every
/// process the child started, and the output is kept as a bounded head and tail.
struct Subprocess {
  /// How a child ended.
  enum Termination: Equatable, Sendable {
    case exited(Int32)
    case signalled(Int32)
    /// The deadline passed and the grader killed the group.
    case timedOut
  }

  struct Outcome: Sendable {
    var termination: Termination
    /// The start and the end of what the child printed on stdout and stderr together.
    var output: String
  }

  let executable: String
  let arguments: [String]
  var environment: [String: String] = [:]
  var deadline: Duration? = nil
  /// Descriptors of the grader's handed to the child under other numbers: `[3: writeEnd]`.
  var descriptors: [Int32: Int32] = [:]
  /// The most address space the child may map, in bytes (`RLIMIT_AS`); nil for no limit.
  var addressSpaceLimit: UInt64? = nil
  /// Runs once the child has started, before the wait: to close what only the child should hold.
  var onSpawn: @Sendable () -> Void = {}
  /// Whether to ask the child for every thread's backtrace before the kill at the deadline: the
  /// Swift runtime on Linux prints one on SIGQUIT, which says where a hung chapter waits.
  var dumpsThreadsAtDeadline = false
  /// Sees the child's output as it comes, on the thread that reads it: to show a build's progress.
  var onOutput: (@Sendable (ArraySlice<UInt8>) -> Void)? = nil
  /// Whether the child gets the grader's environment under `environment`; a suite's gets only its own.
  var inheritsEnvironment = true
  /// The sandbox the child runs in; nil for none.
  var sandbox: Sandbox? = nil

  /// Taken to make a pipe close-on-exec and to spawn and register a child, so no child is
  /// spawned between the two, and no sweep of orphans sees a child not yet registered.
  static let spawnLock = NSLock()

  /// Runs the child to its end, or to the deadline, and kills whatever of its group is left.
  func run() throws -> Outcome {
    var pipeEnds: [Int32] = [0, 0]
    // Close-on-exec, and made under the lock that every spawn takes: a child started meanwhile
    // for another chapter would inherit the write end and hold this pipe open after this child ends.
    let piped = Self.spawnLock.withLock {
      pipe(&pipeEnds) == 0 && fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC) == 0
        && fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC) == 0
    }
    guard piped else { throw SubprocessError.spawnFailed(executable, errno) }
    let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])

    let pid: pid_t
    var report: SandboxReport? = nil
    do {
      if let sandbox {
        report = try SandboxReport()
        pid = try spawn(in: sandbox, stdoutAndStderr: writeEnd, report: report!)
      } else {
        pid = try spawn(stdoutAndStderr: writeEnd)
      }
    } catch {
      close(readEnd)
      close(writeEnd)
      onSpawn()
      throw error
    }
    close(writeEnd)
    report?.closeWriteEnd()
    onSpawn()
    defer { ChildProcesses.unregister(pid) }

    let dump = BacktraceEnd()
    let capture = OutputCapture(fileDescriptor: readEnd) { [onOutput] bytes in
      dump.consume(bytes)
      onOutput?(bytes)
    }
    let exited = DispatchSemaphore(value: 0)
    let status = StatusBox()
    Thread {
      var raw: Int32 = 0
      while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
      status.value = raw
      exited.signal()
    }.start()

    var timedOut = false
    if let deadline {
      if exited.wait(timeout: .now() + deadline.timeInterval) == .timedOut {
        timedOut = true
        #if os(Linux)
          if dumpsThreadsAtDeadline {
            dump.arm()
            kill(pid, SIGQUIT)
            // The runtime prints every thread, then stays; a few seconds is plenty for a test binary.
            _ = dump.printed.wait(timeout: .now() + 5)
          }
        #endif
        kill(-pid, SIGKILL)
        exited.wait()
      }
    } else {
      exited.wait()
    }
    // The child is gone; anything it started in its group goes with it, and anything that left
    // the group was handed to the grader (a subreaper) when its parent died.
    kill(-pid, SIGKILL)
    ChildProcesses.killOrphans()
    let output = capture.finish()

    var raw = status.value
    if let report {
      switch report.message() {
      case .failed(let step, let error):
        throw SubprocessError.sandboxFailed(executable, step: step, error: error, output: output)
      case .ended(let status):
        // The wait status of the test process, as its PID 1 saw it: PID 1 itself only exits 0.
        raw = status
      case nil:
        break
      }
    }
    let termination: Termination =
      timedOut ? .timedOut : (raw & 0x7f) == 0 ? .exited((raw >> 8) & 0xff) : .signalled(raw & 0x7f)
    return Outcome(termination: termination, output: output)
  }

  /// A child started in the background, its output discarded or written to `output`; the caller
  /// kills and reaps it.
  struct Started {
    let pid: pid_t
  }

  func start(output: Int32? = nil) throws -> Started {
    if let output { return Started(pid: try spawn(stdoutAndStderr: output)) }
    let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
    defer { close(devNull) }
    return Started(pid: try spawn(stdoutAndStderr: devNull))
  }

  private func spawn(stdoutAndStderr fd: Int32) throws -> pid_t {
    #if os(Linux)
      var actions = posix_spawn_file_actions_t()
      var attributes = posix_spawnattr_t()
    #else
      var actions: posix_spawn_file_actions_t? = nil
      var attributes: posix_spawnattr_t? = nil
    #endif
    posix_spawn_file_actions_init(&actions)
    posix_spawnattr_init(&attributes)
    defer {
      posix_spawn_file_actions_destroy(&actions)
      posix_spawnattr_destroy(&attributes)
    }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, fd, 1)
    posix_spawn_file_actions_adddup2(&actions, fd, 2)
    for (childDescriptor, descriptor) in descriptors.sorted(by: { $0.key < $1.key }) {
      posix_spawn_file_actions_adddup2(&actions, descriptor, childDescriptor)
    }
    // Process group 0 means "a new group whose id is the child's pid".
    // A child starts as a fresh process would from a shell: no blocked signals (Dispatch's
    // threads block most of them, and a mask survives exec), and the signals the grader
    // ignores for itself (Ctrl-C, SIGTERM) or a runtime may have ignored (SIGPIPE) at their
    // default actions.
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signalNumber in [SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGHUP] {
      sigaddset(&defaults, signalNumber)
    }
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    posix_spawnattr_setpgroup(&attributes, 0)

    var merged = inheritsEnvironment ? ProcessInfo.processInfo.environment : [:]
    merged.merge(environment) { _, new in new }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      argv.forEach { free($0) }
      envp.forEach { free($0) }
    }
    var pid: pid_t = 0
    let result = Self.spawnLock.withLock {
      // A build that pins a link error, or a batch's next student, starts nothing once Ctrl-C stops all.
      if ChildProcesses.isStopping { return ECANCELED }
      let result = posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
      if result == 0 { ChildProcesses.register(pid) }
      return result
    }
    guard result == 0 else { throw SubprocessError.spawnFailed(executable, result) }
    if let addressSpaceLimit { Self.limitAddressSpace(of: pid, to: addressSpaceLimit) }
    return pid
  }

  /// Starts the child in `sandbox` (`sandbox.c`), with the same descriptors, group and signals
  /// as `spawn(stdoutAndStderr:)`, and its limits set from inside.
  private func spawn(in sandbox: Sandbox, stdoutAndStderr fd: Int32, report: SandboxReport) throws -> pid_t {
    var merged = inheritsEnvironment ? ProcessInfo.processInfo.environment : [:]
    merged.merge(environment) { _, new in new }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    let strings = sandbox.steps.flatMap { [strdup($0.source), strdup($0.target)] }
    let directory = strdup(sandbox.directory)
    let path = strdup(executable)
    defer {
      (argv + envp + strings).forEach { free($0) }
      free(directory)
      free(path)
    }
    let steps = sandbox.steps.enumerated().map { index, step in
      grader_sandbox_step(
        kind: step.kind.rawValue, source: strings[2 * index], target: strings[2 * index + 1],
        recursive: step.recursive ? 1 : 0, read_only: step.readOnly ? 1 : 0, optional: step.optional ? 1 : 0)
    }
    let handed = descriptors.sorted { $0.key < $1.key }
    let sources = handed.map(\.value)
    let targets = handed.map(\.key)
    var pid: pid_t = 0
    let result = steps.withUnsafeBufferPointer { steps in
      sources.withUnsafeBufferPointer { sources in
        targets.withUnsafeBufferPointer { targets in
          argv.withUnsafeBufferPointer { argv in
            envp.withUnsafeBufferPointer { envp in
              var configuration = grader_sandbox(
                executable: path, argv: argv.baseAddress, envp: envp.baseAddress, output_fd: fd,
                descriptor_sources: sources.baseAddress, descriptor_targets: targets.baseAddress,
                descriptor_count: Int32(sources.count), report_fd: report.writeEnd,
                uses_namespaces: sandbox.isolation == .namespaces ? 1 : 0, steps: steps.baseAddress,
                step_count: Int32(steps.count), directory: directory,
                user: sandbox.user.map { Int64($0) } ?? -1, group: sandbox.group.map { Int64($0) } ?? -1,
                address_space: addressSpaceLimit ?? 0, processes: Sandbox.processLimit,
                file_size: Sandbox.fileSizeLimit)
              return Self.spawnLock.withLock { () -> Int32 in
                if ChildProcesses.isStopping { return ECANCELED }
                let result = grader_sandbox_spawn(&configuration, &pid)
                if result == 0 { ChildProcesses.register(pid) }
                return result
              }
            }
          }
        }
      }
    }
    guard result == 0 else { throw SubprocessError.spawnFailed(executable, result) }
    return pid
  }

  /// Caps a child's address space, so that one student's runaway allocation fails in that child
  /// (`Could not allocate memory`) instead of pushing the machine into its out-of-memory killer.
  ///
  /// The limit is set from outside, right after the spawn: the grader's own limits stay as they
  /// are, and the child's first microseconds, spent in `exec`, allocate nothing worth a limit.
  private static func limitAddressSpace(of pid: pid_t, to bytes: UInt64) {
    _ = grader_limit_address_space(pid, bytes)
  }
}

enum SubprocessError: Error, CustomStringConvertible {
  case spawnFailed(String, Int32)
  /// The sandbox could not be made (`step` of its plan, or -1 the namespaces, -2 the limits and
  /// the user, -3 the exec).
  case sandboxFailed(String, step: Int32, error: Int32, output: String)

  var description: String {
    switch self {
    case .spawnFailed(let executable, let code):
      "could not start \(executable): \(String(cString: strerror(code)))"
    case .sandboxFailed(let executable, let step, let error, let output):
      "could not start \(executable) in its sandbox (step \(step)): \(String(cString: strerror(error)))"
        + (output.isEmpty ? "" : "\n" + output)
    }
  }
}

/// The pipe through which a sandbox says it could not be made, or how its test process ended.
private final class SandboxReport: Sendable {
  enum Message {
    case failed(step: Int32, error: Int32)
    case ended(status: Int32)
  }

  let writeEnd: Int32
  private let readEnd: Int32

  init() throws {
    var ends: [Int32] = [0, 0]
    let made = Subprocess.spawnLock.withLock {
      pipe(&ends) == 0 && fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0 && fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0
    }
    guard made else { throw SubprocessError.spawnFailed("a pipe for the sandbox", errno) }
    (readEnd, writeEnd) = (ends[0], ends[1])
  }

  deinit { close(readEnd) }

  func closeWriteEnd() { close(writeEnd) }

  /// What the sandbox wrote, once the child has ended (every write end is closed by then).
  func message() -> Message? {
    var message = grader_sandbox_report()
    let size = MemoryLayout<grader_sandbox_report>.size
    var count = 0
    repeat {
      count = withUnsafeMutableBytes(of: &message) { read(readEnd, $0.baseAddress, size) }
    } while count < 0 && errno == EINTR
    guard count == size else { return nil }
    switch UInt8(bitPattern: message.kind) {
    case UInt8(ascii: "E"): return .failed(step: message.step, error: message.error)
    case UInt8(ascii: "S"): return .ended(status: message.status)
    default: return nil
    }
  }
}

/// Notices the last line of the backtrace the Swift runtime prints once asked (`Backtrace took 0.20s`).
// `@unchecked Sendable`: `recent` is touched only by the one thread that reads the child's output;
// `isArmed` is atomic.
private final class BacktraceEnd: @unchecked Sendable {
  private static let marker = Array("Backtrace took".utf8)
  private var recent: [UInt8] = []
  /// Set just before the grader asks: a chapter's own output, up to 100 MiB of it, is never searched.
  private let isArmed = Atomic(false)
  let printed = DispatchSemaphore(value: 0)

  func arm() { isArmed.store(true, ordering: .sequentiallyConsistent) }

  func consume(_ bytes: ArraySlice<UInt8>) {
    guard isArmed.load(ordering: .sequentiallyConsistent) else { return }
    // The marker may straddle two reads: look at the end of the last one too.
    recent = Array(recent.suffix(Self.marker.count)) + bytes
    if recent.firstRange(of: Self.marker) != nil {
      printed.signal()
      recent = []
    }
  }
}

// `@unchecked Sendable`: written once by the waiting thread before it signals the semaphore
// that every reader waits on, so the semaphore orders the write before each read.
private final class StatusBox: @unchecked Sendable {
  var value: Int32 = 0
}

/// Reads a pipe to its end on a thread of its own, keeping the first and last 64 KiB.
///
/// A child that prints 100 MB must neither block on a full pipe nor fill the grader's memory.
private final class OutputCapture: @unchecked Sendable {
  // `@unchecked Sendable`: `head`, `tail` and `dropped` are written only by the reading thread,
  // and read only after `done` has been signalled by it.
  private static let keep = 64 * 1024
  private var head = [UInt8]()
  private var tail = [UInt8]()
  private var dropped = 0
  private let done = DispatchSemaphore(value: 0)

  init(fileDescriptor: Int32, onOutput: (@Sendable (ArraySlice<UInt8>) -> Void)? = nil) {
    Thread { [self] in
      var buffer = [UInt8](repeating: 0, count: 65_536)
      while true {
        let count = read(fileDescriptor, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        onOutput?(buffer[0..<count])
        append(buffer[0..<count])
      }
      close(fileDescriptor)
      done.signal()
    }.start()
  }

  private func append(_ bytes: ArraySlice<UInt8>) {
    if head.count < Self.keep {
      let room = Self.keep - head.count
      head += bytes.prefix(room)
      tail += bytes.dropFirst(room)
    } else {
      tail += bytes
    }
    if tail.count > 2 * Self.keep {
      let excess = tail.count - Self.keep
      dropped += excess
      tail.removeFirst(excess)
    }
  }

  /// The output, once the pipe is closed; a grandchild that escaped the group and holds the
  /// pipe open gets two seconds before the grader stops reading.
  func finish() -> String {
    guard done.wait(timeout: .now() + 2) == .success else {
      return "(no output: a process that left the chapter's process group still holds it open)"
    }
    var text = String(decoding: head, as: UTF8.self)
    if dropped > 0 {
      text += "\n… \(dropped) bytes of output left out …\n"
    }
    return text + String(decoding: tail, as: UTF8.self)
  }
}
