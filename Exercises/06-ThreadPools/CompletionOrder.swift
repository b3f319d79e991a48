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
// TODO: keep the promise of `@unchecked Sendable`: the state you add is read and written only
// while one `NSCondition` is locked (the futures call back from the pool's threads).
public final class CompletionOrder<Value: Sendable>: Sequence, IteratorProtocol, @unchecked Sendable {
  // TODO: the state that `init`, the futures and `next()` share, and the condition that guards it.

  /// An iteration over `futures` in the order they complete.
  public init(_ futures: [Future<Value>]) {
    // TODO: learn when each future is done, without a thread blocked on any of them, so `next()`
    // can hand it out.
  }

  /// Blocks until one more future is done and returns it; `nil` once every future has been returned.
  public func next() -> Future<Value>? {
    // TODO: return nil once every future has been returned; otherwise block until one has finished,
    // and return the one that finished first.
    nil
  }
}
