import Foundation
import WorkbookCore

/// A meeting point that `parties` threads must all reach before any of them goes on.
///
/// If every thread gets through, they were all running at the same time: that proves overlap
/// without a clock. A thread that waits past the deadline breaks the rendezvous, so code that
/// runs the threads one after another fails fast instead of waiting once per thread.
///
///     let rendezvous = Rendezvous(parties: 4)
///     // in each of the 4 workers:
///     let met = rendezvous.arrive()   // false if the others never came
// `@unchecked Sendable`: every stored var is read and written only while `condition` is locked.
public final class Rendezvous: @unchecked Sendable {
  /// How many threads must arrive.
  public let parties: Int
  private let deadline: Duration
  private let condition = NSCondition()
  private var arrivedCount = 0
  private var isBroken = false
  /// The test's timeline: each thread's wait here, which must all overlap once.
  private let recorder = TraceRecorder.current
  private var category: String { "waiting for all \(parties)" }

  /// A rendezvous of `parties` threads that gives up after `deadline`.
  public init(parties: Int, deadline: Duration = Liveness.deadline) {
    self.parties = parties
    self.deadline = deadline
    recorder?.bound(
      TraceBound(.together, parties, of: category, enters: "arrived", state: "at the rendezvous"))
  }

  /// Waits until all parties have arrived; returns `false` if the deadline passed first.
  @discardableResult
  public func arrive() -> Bool {
    let lane = recorder?.threadLane()
    if let lane { recorder?.begin(category, lane: lane) }
    defer { if let lane { recorder?.end(category, lane: lane) } }
    condition.lock()
    defer { condition.unlock() }
    arrivedCount += 1
    if arrivedCount >= parties {
      condition.broadcast()
      return true
    }
    let limit = Date(timeIntervalSinceNow: deadline.timeInterval)
    while arrivedCount < parties && !isBroken {
      if !condition.wait(until: limit) {
        isBroken = true
        condition.broadcast()
      }
    }
    return arrivedCount >= parties
  }

  /// How many threads have arrived so far.
  public var arrived: Int {
    condition.lock()
    defer { condition.unlock() }
    return arrivedCount
  }
}
