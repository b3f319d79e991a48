// Mutant: the launch never looks at isCancelled (lesson: "The race with the launch").
import Foundation
import ProcessPoolGiven
import WorkbookSupport

/// A worker program, such as `sum-worker`, that you run once a task as a child process.
///
/// `run(_:)` starts `executable` with `arguments` followed by the task's input, reads the one line
/// it prints (`n=… sum=… pid=… ppid=…`) and returns it as a `WorkerResult`. Build it:
///
/// - Start the child with Foundation's `Process`, its standard output on a `Pipe`.
/// - Read that pipe to its end and wait for the child to exit without blocking the caller's
///   thread: it belongs to Swift's small cooperative pool.
/// - If the calling task is cancelled, kill the child and still wait for it: never leave
///   a child running, or unreaped, behind you.
/// - Throw `WorkerFailure` naming the input when the child exits with a status other than 0, is
///   killed by a signal, or prints something `WorkerResult` cannot read.
///
/// Lesson: README.md, section "Running one child: Process and Pipe".
public struct Worker: Sendable {
  /// The program to run.
  public let executable: URL
  /// Arguments that come before the input on every run's command line.
  public let arguments: [String]

  /// A worker that runs `executable`, passing `arguments` and then the task's input.
  public init(executable: URL, arguments: [String] = []) {
    self.executable = executable
    self.arguments = arguments
  }

  /// Runs the worker once, in a child process, for `input`, and returns what it printed.
  public func run(_ input: Int) async throws -> WorkerResult {
    // The input goes last, after the fixed arguments, as `sum-worker [options] n` expects. `Child`
    // makes the `Process`, and its output `Pipe`, and keeps the state that cancellation shares.
    let child = Child(executable: executable, arguments: arguments + [String(input)])
    // `Child.run()` launches and waits on a thread of its own: see there why.
    // The cancellation handler runs at once, on whatever thread cancels the task; it only kills the
    // child. The child's thread still sees it exit and resumes the continuation, so the run waits
    // for the child, killed or not, before it returns: no zombie and no orphan.
    let output = try await withTaskCancellationHandler {
      try await child.run()
    } onCancel: {
      child.cancel()
    }
    // A child that this cancellation killed died of SIGKILL: that is a cancellation, not a
    // failure of the task, so look at cancellation first. Then a signal, then the exit status:
    // a child killed by a signal has no exit status, and `terminationStatus` holds the signal.
    try Task.checkCancellation()
    let (reason, status) = child.termination
    if reason == .uncaughtSignal {
      throw WorkerFailure(input: input, reason: .killed(signal: status))
    }
    if status != 0 {
      throw WorkerFailure(input: input, reason: .exited(status: status))
    }
    guard let result = WorkerResult(input: input, output: output) else {
      throw WorkerFailure(input: input, reason: .unreadableOutput(output))
    }
    return result
  }
}

// MARK: - The child process

/// One child process: launched on a thread of its own, cancellable from any thread.
// `@unchecked Sendable`: `isCancelled`, `isLaunched` and the launch are guarded by `lock`; the
// child's thread uses `process` after the launch, and `cancel()` only under `lock`. (`NSLock`
// rather than `Mutex`: the Thread Sanitizer sees it, and would report a race under a `Mutex`.)
private final class Child: @unchecked Sendable {
  private let process = Process()
  private let lock = NSLock()
  private var isCancelled = false
  private var isLaunched = false

  init(executable: URL, arguments: [String]) {
    process.executableURL = executable
    process.arguments = arguments
  }

  /// How the child ended; read it only after `run()` has returned.
  var termination: (Process.TerminationReason, Int32) {
    (process.terminationReason, process.terminationStatus)
  }

  /// Launches the child, unless already cancelled, and returns its output once it has exited.
  func run() async throws -> String {
    try await withCheckedThrowingContinuation { continuation in
      // Reading the pipe blocks until the child closes it, and `waitUntilExit()` blocks until it
      // has been reaped: that is a thread's whole life, so give it a thread of its own. Blocking
      // a thread of the cooperative pool instead would stall unrelated tasks.
      let thread = Thread {
        let output: Pipe
        do {
          output = try self.launch()
        } catch {
          continuation.resume(throwing: error)
          return
        }
        // Read to the end before waiting for the exit: a child whose output fills the pipe's
        // buffer blocks until someone reads it, and would never exit.
        let data = (try? output.fileHandleForReading.readToEnd()) ?? Data()
        self.process.waitUntilExit()
        continuation.resume(returning: String(decoding: data, as: UTF8.self))
      }
      thread.start()
    }
  }

  /// Starts the process with its output on a new pipe; throws `CancellationError` if already cancelled.
  private func launch() throws -> Pipe {
    lock.lock()
    defer { lock.unlock() }
    // The mutant: launches whether or not the task was already cancelled.
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    isLaunched = true
    return output
  }

  /// Kills the child if it is running, or keeps it from ever starting.
  func cancel() {
    lock.lock()
    defer { lock.unlock() }
    isCancelled = true
    // SIGKILL, not `terminate()`'s SIGTERM: a child inherits the signal mask of the thread that
    // started it, and Swift's concurrency threads block SIGTERM, so the child would never see
    // it. Nothing blocks SIGKILL. The child's thread then sees the pipe close and the exit.
    if isLaunched && process.isRunning {
      kill(process.processIdentifier, SIGKILL)
    }
  }
}
