// Mutant: value reads the count without the lock (lesson: the NSLock version keeps every read under its lock).
import Foundation
import WorkbookSupport

/// The lesson's `NSLock` version of the counter, with one read left outside the lock.
// `@unchecked Sendable`: the promise this mutant breaks, in `value`.
public final class Counter: @unchecked Sendable {
  private let pause: Pause
  private let lock = NSLock()
  private var count: Int

  /// A counter that starts at `initialValue` and pauses for `pause` inside every increment.
  public init(_ initialValue: Int = 0, pause: Pause = .guide) {
    self.pause = pause
    count = initialValue
  }

  /// The current count.
  public var value: Int {
    // The mutant: a read is "only a read", so it skips the lock.
    count
  }

  /// Adds one.
  public func increment() {
    increment(by: 1)
  }

  /// Adds `amount`.
  public func increment(by amount: Int) {
    lock.withLock {
      let current = count
      pause()
      count = current + amount
    }
  }
}
