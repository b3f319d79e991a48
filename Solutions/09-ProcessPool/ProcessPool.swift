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
    try await withThrowingTaskGroup(of: (index: Int, result: WorkerResult).self) { group in
      // A child task holds its slot from `addTask` until its child has exited and been reaped,
      // so the number of tasks in the group bounds the number of live children. Start
      // `processes` of them, then one more each time one finishes: a sliding window.
      var results = [WorkerResult?](repeating: nil, count: inputs.count)
      var next = 0
      func startNext() {
        let index = next
        next += 1
        group.addTask { [worker] in (index, try await worker.run(inputs[index])) }
      }
      while next < inputs.endIndex && next < processes {
        startNext()
      }
      // `next()` rethrows the first failure. Leaving the closure with it cancels the tasks still
      // running, and the group waits for every one of them before `map` throws: each task's
      // cancellation kills its child and waits for it, so no child outlives `map`.
      while let (index, result) = try await group.next() {
        // Tasks finish in any order; each one brings back its input's index, so its result
        // lands in its input's place and the array ends up in input order.
        results[index] = result
        // A task added to a cancelled group starts cancelled and launches no child.
        if next < inputs.endIndex {
          startNext()
        }
      }
      return results.compactMap { $0 }
    }
  }
}
