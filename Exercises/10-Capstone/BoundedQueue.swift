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
    // TODO: wait while the queue is full and open, counting in `waitingProducers` while you wait.
    guard !isClosed else { throw QueueClosed() }
    elements.append(element)
    // TODO: keep `peak` up to date, and wake the threads waiting in `take()`.
  }

  /// Removes and returns the oldest element, first waiting while the queue is empty and open.
  ///
  /// Returns `nil` once the queue is closed and every element has been taken.
  public func take() -> Element? {
    condition.lock()
    defer { condition.unlock() }
    // TODO: wait while the queue is empty and open, counting in `waitingConsumers` while you wait.
    guard !elements.isEmpty else { return nil }
    let element = elements.removeFirst()
    // TODO: wake the threads waiting in `put(_:)`.
    return element
  }

  /// Closes the queue: `put(_:)` throws from now on, and `take()` returns `nil` once it is empty.
  public func close() {
    condition.lock()
    defer { condition.unlock() }
    isClosed = true
    // TODO: wake every waiting thread, so each one sees the queue closed.
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
