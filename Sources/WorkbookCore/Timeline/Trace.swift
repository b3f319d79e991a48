/// What a test or a demo saw happen, in time: the one data model of the workbook's timelines.
///
/// The test helpers record it (`TraceRecorder`), the failure message draws it (`TimelineText`),
/// the grader and the demos write it for a trace viewer (`TraceEventFormat`) and as a picture
/// (`TimelineSVG`). Times are nanoseconds since the recording started, on a monotonic clock.
public struct Trace: Codable, Sendable, Equatable {
  /// What was recorded: the test's or the demo's name.
  public var title: String
  /// The events kept, in the order they were recorded.
  public var events: [TraceEvent]
  /// The limits the run was meant to keep, which `violation` checks.
  public var bounds: [TraceBound]
  /// How many events were recorded and not kept (the recorder keeps the first ones and those
  /// around the violation).
  public var omitted: Int
  /// When the recording was read, if later than its last event: an interval still open runs to here.
  public var stopped: Int64?

  public init(
    title: String, events: [TraceEvent] = [], bounds: [TraceBound] = [], omitted: Int = 0,
    stopped: Int64? = nil
  ) {
    self.title = title
    self.events = events
    self.bounds = bounds
    self.omitted = omitted
    self.stopped = stopped
  }
}

/// One thing a helper saw: an interval's begin or end, an instant, a counter's new value, or the
/// moment a bound or an order was broken.
public struct TraceEvent: Codable, Sendable, Equatable {
  public enum Phase: String, Codable, Sendable {
    case begin, end, instant, counter, violation
  }

  public var phase: Phase
  /// Nanoseconds since the recording started.
  public var time: Int64
  /// The row it belongs to: a thread (`T1`), a request (`R3`), a child (`C2`), a counter (`queue`).
  public var lane: String
  /// What kind of interval or counter: `inside`, `request`, `child`, `job`, `queue`.
  public var category: String
  /// What it was, in words: `between read and write`, `/doc/3`, the violation's sentence.
  public var name: String
  /// A counter's value.
  public var value: Int?

  public init(
    _ phase: Phase, time: Int64, lane: String, category: String, name: String = "", value: Int? = nil
  ) {
    self.phase = phase
    self.time = time
    self.lane = lane
    self.category = category
    self.name = name
    self.value = value
  }
}

/// A limit on how many intervals of one category may, or must, be open at once.
public struct TraceBound: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable {
    /// Never more than `limit` open at once: a lock (1), a pool's size.
    case atMost
    /// All `limit` open together at some moment: threads or requests meant to overlap.
    case together
  }

  public var category: String
  public var kind: Kind
  public var limit: Int
  /// How a lane enters the category, as a verb: `started`, `read the shared value`.
  public var enters: String
  /// The state of an open interval: `in flight`, `between read and write`, `alive`.
  public var state: String
  /// What breaking it costs, after the colon; `{others}` names the lanes already inside.
  public var consequence: String?

  public init(
    _ kind: Kind, _ limit: Int, of category: String, enters: String, state: String,
    consequence: String? = nil
  ) {
    self.kind = kind
    self.limit = limit
    self.category = category
    self.enters = enters
    self.state = state
    self.consequence = consequence
  }
}

/// An interval of one lane, paired from a begin and its end.
public struct TraceInterval: Sendable, Equatable {
  public var lane: String
  public var category: String
  public var name: String
  public var start: Int64
  /// Where it ended; for one still open when the recording stopped, the recording's end.
  public var end: Int64
  public var isOpen: Bool
}

/// The moment a bound or an order was broken, and what it means in words.
public struct TraceViolation: Sendable, Equatable {
  public var time: Int64
  /// The lane that broke it: the request that started one too many.
  public var lane: String
  /// The lanes it broke it against: the requests already in flight.
  public var others: [String]
  /// `R4 started while R1, R2 and R3 were in flight: the bound is 3`.
  public var words: String
  /// The bound it broke, if a bound was broken (an order's violation names none).
  public var bound: TraceBound?
}

extension Trace {
  /// The time of the last event: where the timeline ends.
  public var end: Int64 { max(events.map(\.time).max() ?? 0, stopped ?? 0) }

  /// The lanes in the order they first appear, counters last.
  public var lanes: [String] {
    var seen: Set<String> = []
    var intervalLanes: [String] = []
    var counterLanes: [String] = []
    for event in events where event.phase != .violation && !seen.contains(event.lane) {
      seen.insert(event.lane)
      if event.phase == .counter { counterLanes.append(event.lane) } else { intervalLanes.append(event.lane) }
    }
    return intervalLanes + counterLanes
  }

  /// Each begin paired with the next end of the same lane and category; an end whose begin was
  /// not kept is left out.
  public var intervals: [TraceInterval] {
    var open: [String: [(name: String, start: Int64)]] = [:]
    var found: [TraceInterval] = []
    for event in events {
      let key = event.lane + "\u{0}" + event.category
      switch event.phase {
      case .begin:
        open[key, default: []].append((event.name, event.time))
      case .end:
        guard let begun = open[key]?.popLast() else { continue }
        found.append(
          TraceInterval(
            lane: event.lane, category: event.category, name: begun.name, start: begun.start, end: event.time,
            isOpen: false))
      default: break
      }
    }
    let end = self.end
    for (key, starts) in open {
      let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
      for begun in starts {
        found.append(
          TraceInterval(
            lane: String(parts[0]), category: String(parts[1]), name: begun.name, start: begun.start,
            end: end,
            isOpen: true))
      }
    }
    return found.sorted { ($0.start, $0.lane) < ($1.start, $1.lane) }
  }

  /// The first bound or order broken: a violation a helper recorded, or the first moment a bound's
  /// count of open intervals went past it (or, for `together`, an interval ended too early).
  public var violation: TraceViolation? {
    var found: [TraceViolation] = events.filter { $0.phase == .violation }.map {
      TraceViolation(time: $0.time, lane: $0.lane, others: [], words: $0.name, bound: nil)
    }
    for bound in bounds {
      if let broken = bound.kind == .atMost ? overrun(of: bound) : shortfall(of: bound) {
        found.append(broken)
      }
    }
    return found.min { $0.time < $1.time }
  }

  /// Begins and ends of one category's intervals in time order; ends first at the same time. An
  /// interval still open when the trace was read ends there, `isCut`.
  private func sweep(_ category: String) -> [(time: Int64, isBegin: Bool, lane: String, isCut: Bool)] {
    intervals.filter { $0.category == category }
      .flatMap { [($0.start, true, $0.lane, false), ($0.end, false, $0.lane, $0.isOpen)] }
      .sorted { ($0.0, $0.1 ? 1 : 0) < ($1.0, $1.1 ? 1 : 0) }
  }

  private func overrun(of bound: TraceBound) -> TraceViolation? {
    var inside: [String] = []
    for step in sweep(bound.category) {
      guard step.isBegin else {
        if let index = inside.firstIndex(of: step.lane) { inside.remove(at: index) }
        continue
      }
      if inside.count >= bound.limit {
        let others = inside
        let consequence =
          bound.consequence?.replacing("{others}", with: Self.list(others)) ?? "the bound is \(bound.limit)"
        let words =
          "\(step.lane) \(bound.enters) while \(Self.list(others)) \(others.count == 1 ? "was" : "were") "
          + "\(bound.state): \(consequence)"
        return TraceViolation(time: step.time, lane: step.lane, others: others, words: words, bound: bound)
      }
      inside.append(step.lane)
    }
    return nil
  }

  private func shortfall(of bound: TraceBound) -> TraceViolation? {
    let steps = sweep(bound.category)
    var inside: [String] = []
    var most = 0
    var started: [String] = []
    var firstEarlyEnd: (time: Int64, lane: String)?
    for step in steps {
      if step.isBegin {
        inside.append(step.lane)
        started.append(step.lane)
        most = max(most, inside.count)
      } else {
        if firstEarlyEnd == nil && started.count < bound.limit && !step.isCut {
          firstEarlyEnd = (step.time, step.lane)
        }
        if let index = inside.firstIndex(of: step.lane) { inside.remove(at: index) }
      }
    }
    guard most < bound.limit else { return nil }
    let summary = "never more than \(most) of \(bound.limit) were \(bound.state) at once"
    if let early = firstEarlyEnd {
      let waiting = steps.filter(\.isBegin).map(\.lane).dropFirst(
        steps.filter { $0.isBegin && $0.time <= early.time }.count
      ).first
      let words = waiting.map { "\(early.lane) ended before \($0) \(bound.enters): \(summary)" } ?? summary
      return TraceViolation(time: early.time, lane: early.lane, others: [], words: words, bound: bound)
    }
    let alone =
      started.isEmpty
      ? "none was ever \(bound.state)"
      : "only \(Self.list(started)) \(started.count == 1 ? "was" : "were") ever \(bound.state)"
    return TraceViolation(
      time: end, lane: started.last ?? "", others: [], words: "\(alone): \(summary)", bound: bound)
  }

  /// `T1`, `T1 and T2`, `T1, T2 and T3`.
  static func list(_ names: [String]) -> String {
    names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
  }
}
