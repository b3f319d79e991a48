import Foundation
import WorkbookSupport

/// A fixed set of worker threads that run the closures you submit, like Python's `ThreadPoolExecutor`.
///
/// `init(maxWorkers:)` starts exactly `maxWorkers` threads; they live until `shutdown(wait:)` and
/// run every submitted closure, oldest first, one closure a thread at a time. Build it:
///
/// - `submit(_:)` queues a closure, wakes a worker, and returns the `Future` that the worker
///   completes with what the closure returns or throws. After `shutdown(wait:)`, it throws
///   `ThreadPoolError.shutDown` instead.
/// - A worker takes the oldest closure off the queue and runs it *outside* the lock, then takes
///   the next; with nothing queued, it sleeps until `submit` or `shutdown` wakes it. A closure
///   that throws fails its own future only: the worker goes on.
/// - `shutdown(wait:)` refuses new work, lets the workers finish everything already queued,
///   and stops them once the queue is empty. With `wait: true` it returns only after every
///   worker has stopped; with `wait: false` it returns at once.
/// - `liveWorkerCount` is the number of workers that have not stopped yet: `maxWorkers` from
///   `init` on, down by one as each worker leaves its loop for good, 0 after `shutdown(wait: true)`.
///
/// Lesson: README.md, sections "The pool: workers, a queue and a condition" and "Shutting down".
// TODO: keep the promise of `@unchecked Sendable`: every stored `var` you add is read and written
// only while one `NSCondition` is locked.
public final class ThreadPool: @unchecked Sendable {
  /// The number of worker threads.
  public let maxWorkers: Int
  // TODO: the state the threads share: the jobs waiting for a worker, whether shutdown has begun,
  // how many workers are alive, and the condition that guards them.

  /// A pool of `maxWorkers` threads (at least one), started at once.
  public init(maxWorkers: Int) {
    self.maxWorkers = max(1, maxWorkers)
    // TODO: count the workers as alive, then start `maxWorkers` threads that each run the
    // worker loop.
  }

  /// How many worker threads have not stopped yet.
  public var liveWorkerCount: Int {
    // TODO: read the count of live workers under the lock.
    0
  }

  /// Queues `work` for a worker and returns the future of its result.
  public func submit<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> Future<Value>
  {
    // TODO: refuse work after shutdown with `ThreadPoolError.shutDown`; otherwise queue a job that
    // completes a future with what `work` returns or throws, wake a worker, and return the future.
    // Remove the `throw` below when you write the body.
    throw WorkbookError.notImplemented
  }

  /// Refuses new work, lets the workers finish what is queued, then stops them.
  public func shutdown(wait: Bool = true) {
    // TODO: shut the pool down; with `wait: true`, return only once no worker is alive.
  }

  // TODO: the worker loop each thread runs: take the oldest job and run it, sleep while there is
  // none, and leave once the pool is shut down and nothing is queued (lesson: "The pool: workers, a
  // queue and a condition").
}

/// Why a pool refused work.
public enum ThreadPoolError: Error, Equatable, Sendable {
  /// `submit(_:)` was called after `shutdown(wait:)`.
  case shutDown
}
