// Mutant: the read and the write in two withLock calls (lesson: "Everything that must happen as one step goes inside *one* withLock").
import Foundation
import Synchronization
import WorkbookSupport

/// A counter that many threads can increment at once without losing an update.
///
/// This is the guide's shared counter. Every increment reads the value, pauses once (the guide's
/// `time.sleep(0.001)`, injected as `pause`), then writes back what it read plus the amount.
/// Without a lock, two threads can read the same value during each other's pause, and one of
/// the two updates is lost. Make the read, the pause and the write one step that no other
/// thread can enter halfway, and make reading `value` safe while others increment. Keep the
/// single pause between the read and the write: tests count on it.
///
/// Lesson: README.md, section "Guarding the counter with Mutex".
// Every stored property is a `let` of a `Sendable` type (`Pause`, `Mutex<Int>`), so the
// compiler proves the class is safe to share: no `@unchecked` promise is needed any more.
public final class Counter: Sendable {
  private let pause: Pause
  // A `Mutex` owns the count: the only way to reach it is `withLock`, so no code path can
  // touch the count without holding the lock.
  private let count: Mutex<Int>

  /// A counter that starts at `initialValue` and pauses for `pause` inside every increment.
  public init(_ initialValue: Int = 0, pause: Pause = .guide) {
    self.pause = pause
    count = Mutex(initialValue)
  }

  /// The current count.
  public var value: Int {
    // Reading under the lock means a reader waits for a writer to finish, so it sees a value
    // that was really written, never a torn or half-updated one.
    count.withLock { $0 }
  }

  /// Adds one to the count.
  public func increment() {
    increment(by: 1)
  }

  /// Adds `amount` to the count: read, pause, write back.
  public func increment(by amount: Int) {
    // The read, the pause and the write all happen inside one `withLock`, so another thread
    // that wants the count waits until this write is done and then reads the new value.
    // The mutant: the read and the write each under the lock, but not under the same one acquisition.
    let current = count.withLock { $0 }
    pause()
    count.withLock { $0 = current + amount }
  }
}
