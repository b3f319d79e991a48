import Dispatch
import WorkbookCore

extension FixtureServer {
  /// Waits until at least `count` requests are in flight at once; `false` if `timeout` passed first.
  @discardableResult
  public func waitUntil(inFlight count: Int, timeout: Duration = .seconds(10)) -> Bool {
    waitUntil(timeout: timeout) { $0.inFlight >= count }
  }

  /// Waits until `condition` holds for the statistics; `false` if `timeout` passed first.
  ///
  /// `condition` runs on your thread, once now and again after every change the server counts. The
  /// timeout only turns a hang into a failure: a count the server never reaches, never a slow one.
  @discardableResult
  public func waitUntil(timeout: Duration = .seconds(10), _ condition: (Statistics) -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
      let (snapshot, seen) = state.withLock { ($0.counts, $0.generation) }
      if condition(snapshot) { return true }
      if !waitForChange(after: seen, until: deadline) { return condition(statistics) }
    }
  }

  /// Waits until at least `count` requests are in flight at once; `false` if `timeout` passed first or
  /// the task was cancelled.
  @discardableResult
  public func waitUntil(inFlight count: Int, timeout: Duration = .seconds(10)) async -> Bool {
    await waitUntil(timeout: timeout) { $0.inFlight >= count }
  }

  /// Waits until `condition` holds for the statistics; `false` if `timeout` passed first or the task
  /// was cancelled.
  @discardableResult
  public func waitUntil(
    timeout: Duration = .seconds(10), _ condition: @Sendable (Statistics) -> Bool
  ) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
      let (snapshot, seen) = state.withLock { ($0.counts, $0.generation) }
      if condition(snapshot) { return true }
      if ContinuousClock.now >= deadline || Task.isCancelled { return false }
      await nextChange(after: seen, deadline: deadline)
    }
  }

  /// Calls `body` under the lock until it returns a value, blocking between calls until the state changes.
  func blockUntil<Value: Sendable>(_ body: (inout State) -> Value?) -> Value {
    while true {
      let (value, seen) = state.withLock { state in (body(&state), state.generation) }
      if let value { return value }
      _ = waitForChange(after: seen, until: nil)
    }
  }

  /// Blocks until the state changes after generation `seen`; `false` if `deadline` passed first.
  private func waitForChange(after seen: Int, until deadline: ContinuousClock.Instant?) -> Bool {
    let semaphore = DispatchSemaphore(value: 0)
    let id: Int? = state.withLock { state in
      guard state.generation == seen else { return nil }
      state.nextWaiterID += 1
      state.waiters[state.nextWaiterID] = .thread(semaphore)
      return state.nextWaiterID
    }
    guard let id else { return true }
    let timeout = deadline.map { DispatchTime.now() + max(0, ($0 - .now).timeInterval) } ?? .distantFuture
    guard semaphore.wait(timeout: timeout) == .timedOut else { return true }
    // A change that came with the timeout already took the waiter away, and counts as a change.
    return state.withLock { $0.waiters.removeValue(forKey: id) } == nil
  }

  /// Suspends until the state changes after generation `seen`, the deadline passes, or the task is
  /// cancelled.
  private func nextChange(after seen: Int, deadline: ContinuousClock.Instant) async {
    let id = state.withLock { state in
      state.nextWaiterID += 1
      return state.nextWaiterID
    }
    let timer = Task { [self] in
      try? await Task.sleep(until: deadline, clock: .continuous)
      resumeWaiter(id)
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        state.withLock { state in
          // Checked under the lock that `changed()` and the timer take, so no wake-up is lost.
          if state.generation != seen || ContinuousClock.now >= deadline || Task.isCancelled {
            continuation.resume()
          } else {
            state.waiters[id] = .task(continuation)
          }
        }
      }
    } onCancel: {
      resumeWaiter(id)
    }
    timer.cancel()
  }

  private func resumeWaiter(_ id: Int) {
    state.withLock { $0.waiters.removeValue(forKey: id) }?.wake()
  }
}
