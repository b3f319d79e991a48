import Foundation

/// A counter behind a lock whose `addTwo()` takes the lock and then calls `add()`, which takes it again.
// `@unchecked Sendable`: `value` is read and written only while `lock` is held.
public final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0

  public init() {}

  /// Adds one.
  public func add() {
    lock.lock()
    defer { lock.unlock() }
    value += 1
  }

  /// Adds two, taking the lock it already holds a second time: a thread that waits for itself.
  public func addTwo() {
    lock.lock()
    defer { lock.unlock() }
    add()
    add()
  }

  /// The count so far.
  public var count: Int {
    lock.withLock { value }
  }
}
