import Foundation
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
// TODO: `@unchecked Sendable` tells the compiler "trust me, this class guards its own state",
// so it stops checking. Nothing guards `count` yet: this promise is the one you must make
// honest. Once every stored property is safe to share, the compiler can check it for you.
public final class Counter: @unchecked Sendable {
  private let pause: Pause
  // TODO: a plain `var` that several threads read and write is a data race. Keep the count
  // somewhere that lets one thread at a time in.
  private var count: Int

  /// A counter that starts at `initialValue` and pauses for `pause` inside every increment.
  public init(_ initialValue: Int = 0, pause: Pause = .guide) {
    self.pause = pause
    count = initialValue
  }

  /// The current count.
  public var value: Int {
    // TODO: a read while another thread writes is a race too.
    count
  }

  /// Adds one to the count.
  public func increment() {
    increment(by: 1)
  }

  /// Adds `amount` to the count: read, pause, write back.
  public func increment(by amount: Int) {
    // TODO: no other thread may read or write the count between this read and this write.
    let current = count
    pause()
    count = current + amount
  }
}
