// Mutant: complete(with:) runs the callbacks under the lock (lesson: "Run the callbacks *after* unlocking").
import Foundation
import WorkbookSupport

/// A value that some thread will produce later, like Python's `concurrent.futures.Future`.
///
/// The pool hands you one for each closure you submit and completes it when the closure has
/// returned or thrown. Build it:
///
/// - `complete(with:)` stores the outcome the first time it is called; later calls change
///   nothing. It wakes every thread blocked in `result()` and runs every callback that
///   `whenDone(_:)` registered, on the completing thread, before it returns.
/// - `result()` blocks until the future is complete, then returns the value or throws the
///   error: for every caller, as often as it is called, also long after completion.
/// - `whenDone(_:)` runs its callback once the future is complete: later, from
///   `complete(with:)`, or at once if the future already is.
///
/// Lesson: README.md, section "A future: a promise you can block on".
// `@unchecked Sendable`: `outcome` and `callbacks` are read and written only while `condition`
// is locked. An `NSCondition` rather than a `Mutex`, because `result()` must sleep until
// another thread changes the state, and a condition variable is the lock that can do that.
public final class Future<Value: Sendable>: @unchecked Sendable {
  private let condition = NSCondition()
  private var outcome: Result<Value, any Error>?
  private var callbacks: [@Sendable () -> Void] = []

  /// A future that is not complete yet.
  public init() {}

  /// Whether the future has been completed.
  public var isDone: Bool {
    // Read under the lock like every other access: a read racing a write is a data race too.
    condition.lock()
    defer { condition.unlock() }
    return outcome != nil
  }

  /// Completes the future with `result`, unless it is already complete.
  public func complete(with result: Result<Value, any Error>) {
    condition.lock()
    // The first outcome is the one every caller of `result()` sees, so it is never replaced.
    guard outcome == nil else {
      condition.unlock()
      return
    }
    outcome = result
    // The mutant: the callbacks run while the lock is still held.
    for callback in callbacks {
      callback()
    }
    callbacks = []
    condition.broadcast()
    condition.unlock()
  }

  /// Blocks until the future is complete, then returns its value or throws its error.
  public func result() throws -> Value {
    condition.lock()
    defer { condition.unlock() }
    // A loop around `wait()`: a condition variable may wake a thread with nothing changed
    // (a spurious wake-up), so the thread looks again for an outcome each time it wakes.
    while true {
      if let outcome {
        return try outcome.get()
      }
      condition.wait()
    }
  }

  /// Runs `callback` once the future is complete: at once if it already is.
  public func whenDone(_ callback: @escaping @Sendable () -> Void) {
    condition.lock()
    // Checked and stored under one lock, so a completion can't slip in between: either the
    // callback is on the list before `complete(with:)` takes it, or the outcome is already set.
    guard outcome != nil else {
      callbacks.append(callback)
      condition.unlock()
      return
    }
    condition.unlock()
    callback()
  }
}
