import Foundation
import Synchronization

/// Records what helpers observe as timestamped intervals, instants and counters, cheaply and
/// in bounded memory, for one test or one demo.
///
/// A test's recorder is `TraceRecorder.current` while the test runs (the `.timeline` trait binds
/// it); helpers made during the test take it then, and record from any thread. It keeps the first
/// `capacity` events, then the latest few, and once a bound is broken the events around that
/// moment: a test of a million increments records in the same few hundred kilobytes as one of ten.
public final class TraceRecorder: Sendable {
  /// The recorder of the test or demo running now, if it records.
  @TaskLocal public static var current: TraceRecorder?

  public let title: String
  private let clock = ContinuousClock()
  private let start: ContinuousClock.Instant
  private let capacity: Int
  private let state = Mutex(State())

  private struct State {
    var head: [TraceEvent] = []
    /// The latest events once `head` is full: what led up to a violation still to come.
    var recent: [TraceEvent] = []
    var recentStart = 0
    /// The events around the first violation, and how many more after it to keep.
    var around: [TraceEvent]?
    var afterViolation = 0
    var omitted = 0
    var bounds: [TraceBound] = []
    var open: [String: Int] = [:]
    var threadLanes: [UInt: String] = [:]
    var laneCounts: [String: Int] = [:]
  }

  /// A recorder whose clock starts now, keeping the first `capacity` events and a quarter as many
  /// around the first violation.
  public init(title: String, capacity: Int = 2_000) {
    self.title = title
    self.capacity = capacity
    start = clock.now
  }

  /// Nanoseconds since the recorder started.
  private var now: Int64 {
    let elapsed = clock.now - start
    return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
  }

  // MARK: Recording

  /// A lane's interval of `category` begins.
  public func begin(_ category: String, lane: String, _ name: String = "") {
    record(TraceEvent(.begin, time: now, lane: lane, category: category, name: name))
  }

  /// The lane's latest open interval of `category` ends.
  public func end(_ category: String, lane: String) {
    record(TraceEvent(.end, time: now, lane: lane, category: category))
  }

  /// Something happened at one moment on a lane.
  public func instant(_ name: String, lane: String, category: String = "") {
    record(TraceEvent(.instant, time: now, lane: lane, category: category, name: name))
  }

  /// A counter (a queue's size) took a new value.
  public func counter(_ lane: String, _ value: Int) {
    record(TraceEvent(.counter, time: now, lane: lane, category: lane, value: value))
  }

  /// A bound or an order was broken now: `words` says how, for a student.
  public func violation(_ words: String, lane: String) {
    record(TraceEvent(.violation, time: now, lane: lane, category: "violation", name: words))
  }

  /// Declares a limit the run must keep; `Trace.violation` finds where it was broken.
  public func bound(_ bound: TraceBound) {
    state.withLock { state in
      if !state.bounds.contains(bound) { state.bounds.append(bound) }
    }
  }

  /// The calling thread's lane: `T1`, `T2`, … in the order threads first record.
  public func threadLane(prefix: String = "T") -> String {
    let thread = currentThread()
    return state.withLock { state in
      if let lane = state.threadLanes[thread] { return lane }
      let lane = Self.nextLane(prefix, &state)
      state.threadLanes[thread] = lane
      return lane
    }
  }

  /// Names the calling thread's lane `name` (`Thread-0`), for the threads a demo names itself.
  @discardableResult
  public func threadLane(named name: String) -> String {
    let thread = currentThread()
    state.withLock { $0.threadLanes[thread] = name }
    return name
  }

  /// A new lane for something that is not a thread: `R1`, `R2`, … for requests, `C1`, … for children.
  public func newLane(prefix: String) -> String {
    state.withLock { Self.nextLane(prefix, &$0) }
  }

  private static func nextLane(_ prefix: String, _ state: inout State) -> String {
    state.laneCounts[prefix, default: 0] += 1
    return prefix + String(state.laneCounts[prefix]!)
  }

  private func record(_ event: TraceEvent) {
    state.withLock { state in
      var breaks = event.phase == .violation
      if event.phase == .begin || event.phase == .end {
        let change = event.phase == .begin ? 1 : -1
        let count = state.open[event.category, default: 0] + change
        state.open[event.category] = count
        breaks =
          event.phase == .begin
          && state.bounds.contains { $0.category == event.category && $0.kind == .atMost && count > $0.limit }
      }
      if state.head.count < capacity {
        state.head.append(event)
        return
      }
      let keptAround = capacity / 4
      if state.around != nil {
        if state.afterViolation > 0 {
          state.around!.append(event)
          state.afterViolation -= 1
        } else {
          state.omitted += 1
        }
        return
      }
      if breaks {
        // Keep what led up to it, in order, then the event itself and what follows.
        state.around =
          Array(state.recent[state.recentStart...] + state.recent[..<state.recentStart]) + [event]
        state.afterViolation = keptAround
        return
      }
      if state.recent.count < keptAround {
        state.recent.append(event)
      } else {
        state.recent[state.recentStart] = event
        state.recentStart = (state.recentStart + 1) % keptAround
        state.omitted += 1
      }
    }
  }

  // MARK: Reading

  /// What was kept so far.
  public var trace: Trace {
    state.withLock { state in
      let tail =
        state.around
        ?? Array(state.recent[state.recentStart...] + state.recent[..<state.recentStart])
      return Trace(
        title: title, events: state.head + tail, bounds: state.bounds, omitted: state.omitted, stopped: now)
    }
  }

  /// Whether anything was recorded.
  public var isEmpty: Bool { state.withLock { $0.head.isEmpty } }
}
