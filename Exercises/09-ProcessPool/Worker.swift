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
    // TODO: run `executable` with `arguments` followed by the input, in a child process whose
    // standard output you can read.
    // TODO: run the child and collect its output without blocking the cooperative pool (lesson:
    // "Waiting without blocking the cooperative pool").
    // TODO: if the task is cancelled, kill the child (or never start it), and still wait for it.
    // TODO: report how the run ended: `CancellationError`, a `WorkerFailure`, or the
    // `WorkerResult`.
    throw WorkbookError.notImplemented
  }
}
