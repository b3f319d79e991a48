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
  // TODO: the state the workers and the callers share, and the condition that guards it (lesson:
  // "The pool: workers, a queue and a condition" and "Shutting down" say what it must answer).

  /// A pool of `maxWorkers` threads (at least one), started at once.
  public init(maxWorkers: Int) {
    self.maxWorkers = max(1, maxWorkers)
    // TODO: start `maxWorkers` worker threads, which count as alive from the moment `init`
    // returns.
  }

  /// How many worker threads have not stopped yet.
  public var liveWorkerCount: Int {
    // TODO: read the count of live workers under the lock.
    0
  }

  /// Queues `work` for a worker and returns the future of its result.
  public func submit<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> Future<Value>
  {
    // TODO: refuse work after shutdown with `ThreadPoolError.shutDown`; otherwise return a future
    // that a worker completes with what `work` returns or throws.
    // Remove the `throw` below when you write the body.
    throw WorkbookError.notImplemented
  }

  /// Refuses new work, lets the workers finish what is queued, then stops them.
  public func shutdown(wait: Bool = true) {
    // TODO: shut the pool down; with `wait: true`, return only once no worker is alive.
  }

  // TODO: what each worker thread does for its whole life, by the rules of the lesson's "The pool:
  // workers, a queue and a condition".
}

/// Why a pool refused work.
public enum ThreadPoolError: Error, Equatable, Sendable {
  /// `submit(_:)` was called after `shutdown(wait:)`.
  case shutDown
}
