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
// `@unchecked Sendable`: `queue`, `isShutDown` and `liveWorkers` are read and written only while
// `condition` is locked.
public final class ThreadPool: @unchecked Sendable {
  /// The number of worker threads.
  public let maxWorkers: Int
  // One condition guards the whole state and is the place every thread sleeps: idle workers
  // wait on it for work, `shutdown(wait: true)` waits on it for the last worker to leave.
  private let condition = NSCondition()
  private var queue: [@Sendable () -> Void] = []
  private var isShutDown = false
  private var liveWorkers = 0

  /// A pool of `maxWorkers` threads (at least one), started at once.
  public init(maxWorkers: Int) {
    self.maxWorkers = max(1, maxWorkers)
    // Counted before any thread starts, so `liveWorkerCount` is `maxWorkers` as soon as `init`
    // returns, and a `shutdown(wait: true)` right away still waits for every worker.
    liveWorkers = self.maxWorkers
    for index in 0..<self.maxWorkers {
      let thread = Thread { [self] in
        runWorker()
      }
      thread.name = "pool worker \(index)"
      thread.start()
    }
  }

  /// How many worker threads have not stopped yet.
  public var liveWorkerCount: Int {
    // Read under the lock: workers change the count as they leave, on threads of their own.
    condition.lock()
    defer { condition.unlock() }
    return liveWorkers
  }

  /// Queues `work` for a worker and returns the future of its result.
  public func submit<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) throws -> Future<Value>
  {
    let future = Future<Value>()
    condition.lock()
    defer { condition.unlock() }
    // Checked under the same lock that `shutdown` sets the flag under, so no closure slips
    // into the queue after the workers have decided it is empty for good.
    guard !isShutDown else { throw ThreadPoolError.shutDown }
    // `Result { try work() }` turns a throw into a value, so an error fails this future only
    // and never escapes into the worker's loop.
    queue.append { future.complete(with: Result { try work() }) }
    // One new job needs one worker: `signal` wakes one idle worker, if any is idle. A busy
    // worker looks at the queue before it sleeps again, so the job is never left behind.
    condition.signal()
    return future
  }

  /// Refuses new work, lets the workers finish what is queued, then stops them.
  public func shutdown(wait: Bool = true) {
    condition.lock()
    defer { condition.unlock() }
    isShutDown = true
    // Every idle worker must wake to see the flag and leave: `broadcast`, not `signal`.
    condition.broadcast()
    // A loop around `wait()`, as always: the count, not the wake-up, says the workers are gone.
    while wait && liveWorkers > 0 {
      condition.wait()
    }
  }

  /// The loop each worker thread runs until the pool shuts down and the queue is empty.
  private func runWorker() {
    while true {
      condition.lock()
      while queue.isEmpty && !isShutDown {
        condition.wait()
      }
      // Shut down and nothing left to do: count this worker out and wake `shutdown(wait:)`,
      // which may be waiting for exactly this. Queued work always runs before a worker leaves.
      guard !queue.isEmpty else {
        liveWorkers -= 1
        condition.broadcast()
        condition.unlock()
        return
      }
      let job = queue.removeFirst()
      condition.unlock()
      // The job runs with the lock released: other workers take jobs and `submit` queues more
      // meanwhile. Holding the lock here would make the pool run one job at a time.
      job()
    }
  }
}

/// Why a pool refused work.
public enum ThreadPoolError: Error, Equatable, Sendable {
  /// `submit(_:)` was called after `shutdown(wait:)`.
  case shutDown
}
