import Foundation
import ProcessPoolGiven
import WorkbookSupport

/// A pool of child processes that runs a worker on many inputs, like Python's `multiprocessing.Pool`.
///
/// `map(_:)` is the guide's `pool.map(cpu_bound_task, numbers)`: it runs `worker` once for every
/// input, each run in a child process of its own, and returns the results in the order of the
/// inputs. Build it:
///
/// - At most `processes` children are alive at any moment, and `map` keeps that many busy while
///   inputs remain: start the next child as soon as one has finished.
/// - If one child fails, `map` throws that child's `WorkerFailure`; if the calling task is
///   cancelled, it throws `CancellationError`. Either way it stops every other child and waits
///   for them first, and starts no new one.
///
/// Lesson: README.md, section "The pool: at most N children at once".
public struct ProcessPool: Sendable {
  /// The program each task runs in a child process.
  public let worker: Worker
  /// The most children alive at once.
  public let processes: Int

  /// A pool that runs `worker` in up to `processes` children at once: by default, one a core.
  public init(worker: Worker, processes: Int = ProcessInfo.processInfo.activeProcessorCount) {
    self.worker = worker
    self.processes = max(1, processes)
  }

  /// Runs the worker on every input, in child processes, and returns the results in input order.
  public func map(_ inputs: [Int]) async throws -> [WorkerResult] {
    // TODO: run `worker.run(_:)` for every input in a throwing task group, with exactly
    // `processes` children alive at once while inputs remain, and never more.
    // TODO: return the results in input order, whatever order the children finish in.
    throw WorkbookError.notImplemented
  }
}
