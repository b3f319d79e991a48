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
// TODO: `@unchecked Sendable` promises that this class guards its own state. It has none yet:
// add what a future must remember until and after it completes, all of it guarded by one
// `NSCondition`, so the promise is kept.
public final class Future<Value: Sendable>: @unchecked Sendable {
  /// A future that is not complete yet.
  public init() {}

  /// Whether the future has been completed.
  public var isDone: Bool {
    // TODO: whether there is an outcome yet, read under the lock.
    false
  }

  /// Completes the future with `result`, unless it is already complete.
  public func complete(with result: Result<Value, any Error>) {
    // TODO: keep the first outcome only, wake every thread blocked in `result()`, and run the
    // waiting callbacks (lesson: "A future: a promise you can block on" says when).
  }

  /// Blocks until the future is complete, then returns its value or throws its error.
  public func result() throws -> Value {
    // TODO: block until there is an outcome, then return its value or throw its error. Remove the
    // `throw` below when you write the body.
    throw WorkbookError.notImplemented
  }

  /// Runs `callback` once the future is complete: at once if it already is.
  public func whenDone(_ callback: @escaping @Sendable () -> Void) {
    // TODO: keep the callback for `complete(with:)` if there is no outcome yet, or run it now if
    // there is. Decide which under the lock, so a completion can't slip in between.
  }
}
