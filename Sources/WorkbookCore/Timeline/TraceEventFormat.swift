import Foundation

/// Writes a trace in the Trace Event Format, the JSON that Perfetto (ui.perfetto.dev) and
/// `chrome://tracing` open.
///
/// Each lane is a thread of process 1, named by an `M` (metadata) event; an interval is an `X`
/// (complete) event with `ts` and `dur` in microseconds; an instant and the violation are `i`
/// events; a counter is a `C` event. The format's reference is Google's "Trace Event Format"
/// document.
public enum TraceEventFormat {
  struct Document: Encodable {
    var traceEvents: [Event]
    var displayTimeUnit = "ms"
    var otherData: [String: String]
  }

  struct Event: Encodable {
    var name: String
    var cat: String?
    var ph: String
    var ts: Double
    var dur: Double?
    var pid = 1
    var tid: Int
    /// An instant's scope: `t` its thread, `g` the whole trace.
    var s: String?
    var args: [String: Argument]?
  }

  enum Argument: Encodable, Equatable {
    case text(String)
    case number(Int)

    func encode(to encoder: any Encoder) throws {
      var container = encoder.singleValueContainer()
      switch self {
      case .text(let text): try container.encode(text)
      case .number(let number): try container.encode(number)
      }
    }
  }

  /// The trace as a Trace Event Format JSON object.
  public static func json(_ trace: Trace) throws -> Data {
    let lanes = trace.lanes
    func tid(_ lane: String) -> Int { (lanes.firstIndex(of: lane) ?? lanes.count) + 1 }
    func micro(_ nanoseconds: Int64) -> Double { Double(nanoseconds) / 1_000 }
    var events: [Event] = [
      Event(name: "process_name", ph: "M", ts: 0, tid: 0, args: ["name": .text(trace.title)])
    ]
    for (index, lane) in lanes.enumerated() {
      events.append(Event(name: "thread_name", ph: "M", ts: 0, tid: index + 1, args: ["name": .text(lane)]))
      events.append(
        Event(name: "thread_sort_index", ph: "M", ts: 0, tid: index + 1, args: ["sort_index": .number(index)])
      )
    }
    for interval in trace.intervals {
      events.append(
        Event(
          name: interval.name.isEmpty ? interval.category : interval.name, cat: interval.category, ph: "X",
          ts: micro(interval.start), dur: micro(interval.end - interval.start), tid: tid(interval.lane)))
    }
    for event in trace.events {
      switch event.phase {
      case .instant:
        events.append(
          Event(
            name: event.name, cat: event.category, ph: "i", ts: micro(event.time), tid: tid(event.lane),
            s: "t"))
      case .counter:
        events.append(
          Event(
            name: event.lane, cat: event.category, ph: "C", ts: micro(event.time), tid: tid(event.lane),
            args: [event.lane: .number(event.value ?? 0)]))
      default: break
      }
    }
    if let violation = trace.violation {
      events.append(
        Event(
          name: violation.words, cat: "violation", ph: "i", ts: micro(violation.time),
          tid: tid(violation.lane),
          s: "g"))
    }
    var other = ["title": trace.title]
    if trace.omitted > 0 { other["omittedEvents"] = String(trace.omitted) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(Document(traceEvents: events, otherData: other))
  }
}
