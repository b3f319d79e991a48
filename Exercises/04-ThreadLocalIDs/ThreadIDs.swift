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
  // TODO: the state a numbering needs: each thread's own ID, kept where only that thread sees it,
  // and the next number to hand out, which many threads take at once without a lock.

  /// A new numbering, in which no thread has an ID yet.
  public init() throws {
    // TODO: set up that state, with no thread numbered yet.
    throw WorkbookError.notImplemented
  }

  /// The calling thread's ID, taken from the counter on the thread's first read.
  public var current: Int {
    // TODO: the same ID on every read from this thread; on its first read, a number no other
    // thread has had or will get.
    0
  }
}
