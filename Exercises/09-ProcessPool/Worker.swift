import Foundation
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
    // TODO: make a `Process` that runs `executable` with `arguments + [String(input)]`, its
    // standard output on a `Pipe`.
    // TODO: start it on a `Thread` of your own; on that thread, read the pipe to its end, then
    // wait for the exit, and hand the output back through a continuation.
    // TODO: if the task is cancelled, kill the child (or never start it), and still wait for it.
    // TODO: throw `CancellationError` if cancelled, `WorkerFailure` if the child failed, and
    // otherwise return `WorkerResult(input:output:)`.
    throw WorkbookError.notImplemented
  }
}

/// What the worker printed for one input: the sum, and which process computed it.
public struct WorkerResult: Sendable, Hashable {
  /// The task's input, n.
  public let input: Int
  /// The sum of i * i for every i in 0..<n; it outgrows `Int` once n passes about 3 025 000.
  public let sum: UInt128
  /// The process ID of the child that did the work.
  public let processID: Int32
  /// The process ID of that child's parent: your program, if the pool started it.
  public let parentProcessID: Int32

  /// A result with these fields.
  public init(input: Int, sum: UInt128, processID: Int32, parentProcessID: Int32) {
    self.input = input
    self.sum = sum
    self.processID = processID
    self.parentProcessID = parentProcessID
  }

  /// Reads the worker's output, `n=… sum=… pid=… ppid=…`; `nil` unless it is well formed and about `input`.
  public init?(input: Int, output: String) {
    var fields: [Substring: Substring] = [:]
    for field in output.split(whereSeparator: \.isWhitespace) {
      let parts = field.split(separator: "=", maxSplits: 1)
      guard parts.count == 2 else { return nil }
      fields[parts[0]] = parts[1]
    }
    guard fields.count == 4,
      let n = fields["n"].flatMap({ Int($0) }), n == input,
      let sum = fields["sum"].flatMap({ UInt128($0) }),
      let processID = fields["pid"].flatMap({ Int32($0) }),
      let parentProcessID = fields["ppid"].flatMap({ Int32($0) })
    else { return nil }
    self.init(input: n, sum: sum, processID: processID, parentProcessID: parentProcessID)
  }
}

/// The error for a task whose child process failed: it names the task's input and what went wrong.
public struct WorkerFailure: Error, Hashable, CustomStringConvertible {
  /// How a child failed.
  public enum Reason: Sendable, Hashable {
    /// The child exited with a status other than 0.
    case exited(status: Int32)
    /// The child was killed by a signal, such as SIGKILL (9) from the kernel's out-of-memory killer.
    case killed(signal: Int32)
    /// The child exited with status 0 but printed something that is not a result for its input.
    case unreadableOutput(String)
  }

  /// The input of the task that failed.
  public let input: Int
  /// What went wrong.
  public let reason: Reason

  /// A failure of the task for `input`.
  public init(input: Int, reason: Reason) {
    self.input = input
    self.reason = reason
  }

  public var description: String {
    switch reason {
    case .exited(let status): "the worker for input \(input) exited with status \(status)"
    case .killed(let signal): "the worker for input \(input) was killed by signal \(signal)"
    case .unreadableOutput(let output): "the worker for input \(input) printed \(output.debugDescription)"
    }
  }
}
