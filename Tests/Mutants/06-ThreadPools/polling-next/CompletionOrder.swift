// Mutant: next() polls with a timed wait (lesson: "it waits until the list isn't empty").
import Foundation
import WorkbookSupport

/// The futures you give it, in the order they complete: Python's `as_completed`.
///
/// Iterate over it to handle each result as soon as it is in, whatever the order you submitted
/// the work in:
///
///     for future in CompletionOrder(futures) {
///       print(try future.result())   // never blocks: the future is already done
///     }
///
/// `next()` blocks until one more future is done and returns it; it returns every future you
/// gave it exactly once, and `nil` once it has returned them all. Futures that are already done
/// when you make it come first.
///
/// Lesson: README.md, section "Results in completion order".
// `@unchecked Sendable`: `finished` and `remaining` are read and written only while
// `condition` is locked. The futures' callbacks run on the pool's workers, so they must be
// able to reach this object from any thread.
public final class CompletionOrder<Value: Sendable>: Sequence, IteratorProtocol, @unchecked Sendable {
  private let condition = NSCondition()
  /// Futures that are done and not yet returned, in the order they completed.
  private var finished: [Future<Value>] = []
  /// Futures not yet returned by `next()`.
  private var remaining: Int

  /// An iteration over `futures` in the order they complete.
  public init(_ futures: [Future<Value>]) {
    remaining = futures.count
    // The futures tell this object when they are done: a callback per future, instead of a
    // thread per future blocked in `result()`. A future already done calls back at once.
    for future in futures {
      future.whenDone { [self] in
        condition.lock()
        finished.append(future)
        condition.signal()
        condition.unlock()
      }
    }
  }

  /// Blocks until one more future is done and returns it; `nil` once every future has been returned.
  public func next() -> Future<Value>? {
    condition.lock()
    defer { condition.unlock() }
    guard remaining > 0 else { return nil }
    // Sleep until a callback has put a future on the list; the loop rechecks after every wake-up.
    // The mutant: wakes every 5 ms to look, instead of sleeping until a callback signals.
    while finished.isEmpty {
      _ = condition.wait(until: Date(timeIntervalSinceNow: 0.005))
    }
    remaining -= 1
    // The oldest completion first: the list is in the order the callbacks ran.
    return finished.removeFirst()
  }
}
