// Mutant: put and take signal() one waiter on the shared condition (lesson: "Why broadcast, not signal").
import Foundation

/// The error `BoundedQueue.put(_:)` throws once the queue is closed.
public struct QueueClosed: Error, Equatable {
  /// The error.
  public init() {}
}

/// A first-in, first-out queue of at most `capacity` elements that makes threads wait:
/// `put(_:)` while it is full, `take()` while it is empty.
///
/// This is the queue the guide imports (`from queue import Queue`) and never uses, built the way
/// Python builds its own: one lock, and waiting on a condition. The body below never waits:
/// `put(_:)` lets the queue grow past `capacity`, and `take()` gives up on an empty queue at once.
/// Make the queue block:
///
/// - `put(_:)` waits while the queue holds `capacity` elements, then appends. It throws
///   `QueueClosed` when the queue is closed, also when that happens while it waits.
/// - `take()` waits while the queue is empty and open, then removes the oldest element. Once the
///   queue is closed it still hands out what is left, then returns `nil`.
/// - `close()` wakes every thread waiting in `put(_:)` or `take()`.
/// - While a thread waits in `put(_:)` it counts in `blockedProducers`, and in `take()` in
///   `blockedConsumers`; `peakCount` is the most elements the queue has ever held at once.
///
/// Lesson: README.md, section "A bounded blocking queue".
// `@unchecked Sendable`: every stored var is read and written only while `condition` is locked.
public final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
  /// The most elements the queue holds at once.
  public let capacity: Int
  private let condition = NSCondition()
  private var elements: [Element] = []
  private var isClosed = false
  private var waitingProducers = 0
  private var waitingConsumers = 0
  private var peak = 0

  /// An empty queue that holds at most `capacity` elements (at least one).
  public init(capacity: Int) {
    self.capacity = max(1, capacity)
  }

  /// Appends `element`, first waiting while the queue is full; throws `QueueClosed` once it is closed.
  public func put(_ element: Element) throws {
    condition.lock()
    defer { condition.unlock() }
    // `wait()` unlocks while it sleeps and locks again before it returns, and a thread can wake
    // without room having been made (another producer got there first, or a spurious wake-up):
    // so the condition is checked again in a loop, always under the lock.
    while elements.count >= capacity && !isClosed {
      waitingProducers += 1
      condition.wait()
      waitingProducers -= 1
    }
    guard !isClosed else { throw QueueClosed() }
    elements.append(element)
    // Producers and consumers wait on the same condition, so `signal()` could wake another
    // producer instead of a consumer and leave the element unseen: wake them all, and let each
    // check again.
    peak = max(peak, elements.count)
    // The mutant: one element, so one waiter to wake.
    condition.signal()
  }

  /// Removes and returns the oldest element, first waiting while the queue is empty and open.
  ///
  /// Returns `nil` once the queue is closed and every element has been taken.
  public func take() -> Element? {
    condition.lock()
    defer { condition.unlock() }
    // The same loop as in `put(_:)`: a closed queue ends the wait, but elements still in it are
    // handed out first, so nothing put before `close()` is lost.
    while elements.isEmpty && !isClosed {
      waitingConsumers += 1
      condition.wait()
      waitingConsumers -= 1
    }
    guard !elements.isEmpty else { return nil }
    let element = elements.removeFirst()
    // The mutant: one free place, so one waiter to wake.
    condition.signal()
    return element
  }

  /// Closes the queue: `put(_:)` throws from now on, and `take()` returns `nil` once it is empty.
  public func close() {
    condition.lock()
    defer { condition.unlock() }
    isClosed = true
    // Every waiter must see the change: producers to throw, consumers to drain and return `nil`.
    condition.broadcast()
  }

  /// How many elements the queue holds now.
  public var count: Int {
    condition.lock()
    defer { condition.unlock() }
    return elements.count
  }

  /// The most elements the queue has held at once.
  public var peakCount: Int {
    condition.lock()
    defer { condition.unlock() }
    return peak
  }

  /// How many threads are waiting in `put(_:)` now, for room.
  public var blockedProducers: Int {
    condition.lock()
    defer { condition.unlock() }
    return waitingProducers
  }

  /// How many threads are waiting in `take()` now, for an element.
  public var blockedConsumers: Int {
    condition.lock()
    defer { condition.unlock() }
    return waitingConsumers
  }
}
