import Foundation

/// Runs `body(index)` on `count` threads of the test's own and waits for them, up to a deadline.
///
/// Tests drive your code from here, so a test never depends on your thread code to start its
/// threads. Returns `false` if some thread had not finished by the deadline: a deadlock.
/// Threads still stuck are left behind; the test fails and the process ends with them.
@discardableResult
public func runOnTestThreads(
  _ count: Int,
  deadline: Duration = Liveness.deadline,
  _ body: @escaping @Sendable (Int) -> Void
) -> Bool {
  let finished = DispatchSemaphore(value: 0)
  for index in 0..<count {
    let thread = Thread {
      body(index)
      finished.signal()
    }
    thread.stackSize = 1 << 20
    thread.start()
  }
  let limit = DispatchTime.now() + deadline.timeInterval
  for _ in 0..<count where finished.wait(timeout: limit) == .timedOut {
    return false
  }
  return true
}
