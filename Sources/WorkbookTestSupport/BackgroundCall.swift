import Foundation

/// A blocking call of the code under test, run on a thread of the test's own while the test goes on.
///
/// A test that must act while your code runs (open a gate, count requests in flight, check that a
/// call is still blocked) starts the call here, does its part, then collects the result. Every
/// wait has a deadline, so code that hangs fails the test instead of stopping the run; a call
/// still stuck at the end is left behind, like the threads of `runOnTestThreads`.
///
///     let scraping = BackgroundCall { scrape(urls) }
///     let overlapped = scraping.waitWhileRunning { server.waitUntil(inFlight: 5, timeout: $0) }
///     server.openGate("go")
///     let results = try #require(scraping.result(), "scrape never returned").get()
// `@unchecked Sendable`: `outcome` is read and written only while `condition` is locked.
public final class BackgroundCall<Value: Sendable>: @unchecked Sendable {
  private let condition = NSCondition()
  private var outcome: Result<Value, any Error>?
  private var threadActivity: ThreadActivity?

  /// Starts `body` on a new thread and returns at once.
  public init(_ body: @escaping @Sendable () throws -> Value) {
    let thread = Thread { [self] in
      condition.lock()
      threadActivity = ThreadActivity.current()
      condition.broadcast()
      condition.unlock()
      let result = Result { try body() }
      condition.lock()
      outcome = result
      condition.broadcast()
      condition.unlock()
    }
    thread.stackSize = 1 << 20
    thread.start()
  }

  /// Whether the call has returned or thrown.
  public var isFinished: Bool {
    condition.lock()
    defer { condition.unlock() }
    return outcome != nil
  }

  /// The call's result once it has returned or thrown; `nil` if it was still running at the deadline.
  public func result(deadline: Duration = Liveness.deadline) -> Result<Value, any Error>? {
    let limit = Date(timeIntervalSinceNow: deadline.timeInterval)
    condition.lock()
    defer { condition.unlock() }
    while outcome == nil {
      if !condition.wait(until: limit) { break }
    }
    return outcome
  }

  /// How the call's thread spends its time while it should wait: blocked, spinning or polling.
  ///
  /// For a call that must block until the test lets it go (a `join()` on a gated body, a `next()`
  /// with nothing done): `.blocked` proves it sleeps without a clock deciding anything; see
  /// `ThreadActivity.watchWhileWaiting`.
  ///
  ///     let joining = BackgroundCall { thread.join() }
  ///     #expect(joining.watchWhileWaiting() == .blocked)
  public func watchWhileWaiting(deadline: Duration = Liveness.deadline) -> WaitingBehaviour {
    condition.lock()
    while threadActivity == nil {
      condition.wait()
    }
    let activity = threadActivity
    condition.unlock()
    guard let activity else { return .undecided }
    return activity.watchWhileWaiting(deadline: deadline) { isFinished }
  }

  /// Whether the call returns within `grace`: for proving that a call which must block does block.
  ///
  /// Like the grace period of chapter 1's joiners, this never fails correct code, however short
  /// `grace` is: a call that must wait never returns while the test holds it up. Code that does not
  /// wait returns within microseconds.
  public func returns(within grace: Duration) -> Bool {
    result(deadline: grace) != nil
  }

  /// Repeats `attempt` until it succeeds, the call finishes, or the deadline passes; returns whether it succeeded.
  ///
  /// Use it to wait for something that must happen *while* the call runs, such as requests in flight
  /// at a server. `attempt` receives how long it may wait; give it to a waiting call of your own, such
  /// as `server.waitUntil(inFlight: 5, timeout: $0)`. A call that ends early (a skeleton that returns
  /// at once) ends the wait early too, so a failing test fails fast instead of at the deadline.
  public func waitWhileRunning(
    deadline: Duration = Liveness.deadline, until attempt: (_ timeout: Duration) -> Bool
  ) -> Bool {
    let clock = ContinuousClock()
    let limit = clock.now + deadline
    while true {
      if attempt(.milliseconds(20)) { return true }
      if isFinished { return attempt(.zero) }
      if clock.now >= limit { return false }
    }
  }
}

extension BackgroundCall {
  /// The call's result once it has returned or thrown, awaited without blocking a thread of the
  /// cooperative pool; `nil` if it was still running at the deadline.
  ///
  /// A blocking wait in an async test holds one of the pool's few threads (one a core), and the
  /// other tests of the suite and URLSession's own callbacks may need it meanwhile.
  public func outcome(deadline: Duration = Liveness.deadline) async -> Result<Value, any Error>? {
    await withCheckedContinuation { continuation in
      let waiter = Thread { continuation.resume(returning: self.result(deadline: deadline)) }
      waiter.start()
    }
  }
}
