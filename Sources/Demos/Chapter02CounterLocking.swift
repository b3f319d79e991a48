import Foundation
import Synchronization
import WorkbookCore

extension Demo {
  /// Chapter 2: the guide's counter, first without its lock, then with a `Mutex`.
  static let counterLocking = Demo(
    number: "02", title: "Counter locking",
    summary: "two threads × 100 increments: about 100 without the lock, 200 with a Mutex",
    run: runCounterLocking)
}

/// The guide's counter without its lock, so the lost updates show.
// `@unchecked Sendable` is a false promise, made on purpose: `value` is shared with no lock at
// all, so Swift 6 refuses to hand the class to a thread without it (chapter 2, "The opt-out").
// The demo exists to show what that promise costs. Never write this outside a demonstration.
private final class UnlockedCounter: @unchecked Sendable {
  var value = 0
  let recorder = TraceRecorder.current

  func increment() {
    traced("between read and write", by: recorder) {
      let current = value
      usleep(1_000)  // the guide's time.sleep(0.001): the other thread reads the same old value
      value = current + 1
    }
  }
}

/// The same counter with the read, the pause and the write inside one `withLock`.
private final class LockedCounter: Sendable {
  private let count = Mutex(0)
  let recorder = TraceRecorder.current

  var value: Int { count.withLock { $0 } }

  func increment() {
    count.withLock { count in
      traced("between read and write", by: recorder) {
        let current = count
        usleep(1_000)
        count = current + 1
      }
    }
  }
}

private func runCounterLocking() {
  oneAtATime(TraceRecorder.current)
  let unlocked = UnlockedCounter()
  runOnThreads(2) { _ in
    for _ in 0..<100 { unlocked.increment() }
  }
  print(
    "Final counter value without the lock: \(unlocked.value)  (200 expected: \(200 - unlocked.value) updates lost)"
  )

  let locked = LockedCounter()
  let ((), elapsed) = timed {
    runOnThreads(2) { _ in
      for _ in 0..<100 { locked.increment() }
    }
  }
  print("Final counter value with a Mutex:     \(locked.value)")
  print()
  print(
    "The locked run took \(elapsed.seconds): the lock lets one increment, pause included, through at a time.")
}
