import Foundation

/// Checks `condition` every 100 µs until it holds; `false` if it still does not at the deadline.
///
/// Only code that never gets there waits until the deadline. If any of `calls` has finished, the
/// wait ends at once: the code under test returned where it should have waited.
public func eventually<Value>(
  _ condition: @Sendable () -> Bool, while calls: [BackgroundCall<Value>]
) async -> Bool {
  let limit = ContinuousClock.now + Liveness.deadline
  while !condition() {
    if calls.contains(where: \.isFinished) || ContinuousClock.now >= limit { return condition() }
    try? await Task.sleep(for: .microseconds(100))
  }
  return true
}

/// `eventually(_:while:)` for one call.
public func eventually<Value>(_ condition: @Sendable () -> Bool, while call: BackgroundCall<Value>) async
  -> Bool
{
  await eventually(condition, while: [call])
}

/// `eventually(_:while:)` with no call to watch.
public func eventually(_ condition: @Sendable () -> Bool) async -> Bool {
  await eventually(condition, while: [BackgroundCall<Void>]())
}

/// `eventually(_:while:)` for code under test that runs in `task`: the wait ends as soon as the
/// task has finished without `condition` holding.
public func eventually<Success: Sendable>(
  _ condition: @escaping @Sendable () -> Bool, while task: Task<Success, any Error>
) async -> Bool {
  let finished = Flag()
  let watcher = Task {
    _ = await task.result
    finished.set()
  }
  defer { watcher.cancel() }
  let limit = ContinuousClock.now + Liveness.deadline
  while !condition() {
    if finished.isSet || ContinuousClock.now >= limit { return condition() }
    try? await Task.sleep(for: .microseconds(100))
  }
  return true
}

/// `eventually(_:)` for a thread of the test's own, which may block: it sleeps between checks.
public func pollOnThisThread(until condition: () -> Bool) -> Bool {
  let limit = ContinuousClock.now + Liveness.deadline
  while !condition() {
    if ContinuousClock.now >= limit { return false }
    usleep(100)
  }
  return true
}
