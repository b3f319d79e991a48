import Synchronization
import WorkbookSupport

/// Numbers threads 1, 2, 3, … in the order they first ask, and gives each thread the same number
/// every time it asks.
///
/// The guide gives each thread a random ID and shows that it stays put while the thread works.
/// Random IDs can collide; numbers from a counter cannot. Build the IDs on your `ThreadLocal`:
/// a thread's first read of `current` takes the next number and stores it in the thread's slot,
/// and every later read finds it there. A thread that never asks takes no number, and a number
/// is never handed out twice, not even after its thread has ended.
///
///     let ids = try ThreadIDs()
///     ids.current   // 1 on the first thread that asks, and on every later read there
///
/// Lesson: README.md, section "Thread IDs".
public final class ThreadIDs: Sendable {
  // TODO: store what you need: a `ThreadLocal<Int>` for each thread's ID, and a counter for the
  // next number that any thread can take from without a lock.

  /// A new numbering, in which no thread has an ID yet.
  public init() throws {
    // TODO: make the thread-local variable.
    throw WorkbookError.notImplemented
  }

  /// The calling thread's ID, taken from the counter on the thread's first read.
  public var current: Int {
    // TODO: return the ID this thread has stored; on its first read, take the next number and
    // store it.
    0
  }
}
