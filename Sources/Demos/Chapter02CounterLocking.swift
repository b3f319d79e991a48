import Foundation
import WorkbookCore

extension Demo {
  /// Chapter 2: the guide's counter without its lock, so the lost updates show.
  static let counterLocking = Demo(
    number: "02", title: "Counter locking",
    summary: "two threads × 100 increments without a lock: updates get lost; the lock is the exercise",
    run: runCounterLocking)
}

/// The guide's counter without its lock.
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

private func runCounterLocking() {
  oneAtATime(TraceRecorder.current)
  let unlocked = UnlockedCounter()
  runOnThreads(2) { _ in
    for _ in 0..<100 { unlocked.increment() }
  }
  print(
    "Final counter value without the lock: \(unlocked.value)  (200 expected: \(200 - unlocked.value) updates lost)"
  )
  print()
  print("Both threads read the same value during each other's pause, and one of the two writes is lost.")
  print("Making the read, the pause and the write one step is chapter 2's exercise:")
  print("Exercises/02-CounterLocking/Counter.swift, then ./grader 02 (the lesson: its README.md).")
}
