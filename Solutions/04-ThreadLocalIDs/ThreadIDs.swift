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
  // Each thread's number lives in its own slot, so reading it again takes no lock at all.
  private let ids: ThreadLocal<Int>
  // Only a thread's first read touches the shared counter; one atomic add hands out a number
  // no other thread can get, without a lock.
  private let nextID = Atomic(1)

  /// A new numbering, in which no thread has an ID yet.
  public init() throws {
    ids = try ThreadLocal()
  }

  /// The calling thread's ID, taken from the counter on the thread's first read.
  public var current: Int {
    if let id = ids.value {
      return id
    }
    // `.relaxed` is enough: the add is atomic whatever the ordering, so every number is unique,
    // and no other memory is published along with it.
    let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    ids.value = id
    return id
  }
}
