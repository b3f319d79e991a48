import Foundation

/// Draws a trace as a compact timeline for a failure message: at most 68 columns (80 once the
/// grader's report indents it) and 12 lanes,
/// zoomed on the violation, which is marked and named in words.
///
///     Timeline (ms since the test started)
///       = between read and write, ! the violation
///               1.00                                                  4.50
///       T1      ==================================........................
///       T2      ................!=================================........
///       queue   ................|........................................3
///       count   1111111111111111222222222222222222111111111111111100000000
///       count: how many were between read and write (bound: at most 1)
///                               ^ at 2.00 ms
///       T2 read the shared value while T1 was between read and write: T1's
///       update is lost
public enum TimelineText {
  /// The first word of every timeline: how a reader of failure messages knows one.
  public static let heading = "Timeline"
  /// The widest line: 68 columns, so that the grader's report, which indents a message by 6, stays within 80.
  public static var maximumWidth: Int { labelWidth + plotWidth }
  public static let maximumLanes = 12
  static let labelWidth = 10
  static let plotWidth = 58

  /// How to draw: plain ASCII, or box-drawing characters with colour for a terminal.
  public enum Style: Sendable, Equatable {
    case ascii
    case unicode(color: Bool)

    /// Plain ASCII unless standard output is a terminal and neither `NO_COLOR` nor `TERM=dumb` is set.
    public static func forOutput(
      environment: [String: String] = ProcessInfo.processInfo.environment,
      isTerminal: Bool = isatty(STDOUT_FILENO) == 1
    ) -> Style {
      if !isTerminal || environment["NO_COLOR"] != nil || environment["TERM"] == "dumb" { return .ascii }
      return .unicode(color: true)
    }

    /// The bar of the `index`th category: the violation's category is the first.
    func bar(_ index: Int) -> Character {
      let bars: [Character] = self == .ascii ? ["=", "-", "~", "+"] : ["━", "─", "┄", "╌"]
      return bars[min(index, bars.count - 1)]
    }
    var empty: Character { self == .ascii ? "." : "·" }
    var mark: Character { self == .ascii ? "!" : "▲" }
    var column: Character { self == .ascii ? "|" : "┃" }
    var instant: Character { self == .ascii ? "*" : "◆" }
    var caret: Character { self == .ascii ? "^" : "▲" }

    func red(_ text: String) -> String {
      self == .unicode(color: true) ? "\u{1B}[31;1m" + text + "\u{1B}[0m" : text
    }
  }

  /// The timeline of `trace`, or `nil` if it holds no event.
  public static func render(_ trace: Trace, style: Style = .ascii, clock: String = "the test started")
    -> String?
  {
    guard !trace.events.isEmpty else { return nil }
    let violation = trace.violation
    let intervals = trace.intervals
    let window = self.window(trace, intervals: intervals, violation: violation)
    let span = max(window.upperBound - window.lowerBound, 1)
    func column(_ time: Int64) -> Int {
      Int(min(max((time - window.lowerBound) * Int64(plotWidth) / span, 0), Int64(plotWidth - 1)))
    }
    func inWindow(_ start: Int64, _ end: Int64) -> Bool {
      end >= window.lowerBound && start <= window.upperBound
    }

    // The lanes: the violation's first, then those with something in the window, counters last.
    let violators = violation.map { [$0.lane] + $0.others } ?? []
    let visible = trace.lanes.filter { lane in
      intervals.contains { $0.lane == lane && inWindow($0.start, $0.end) }
        || trace.events.contains { $0.lane == lane && $0.phase != .begin && $0.phase != .end }
    }
    let bound = violation?.bound ?? trace.bounds.first
    let countRows = bound == nil ? 0 : 1
    let ordered = violators.filter(visible.contains) + visible.filter { !violators.contains($0) }
    let shownLanes = Array(ordered.prefix(maximumLanes - countRows))
    let lanes = trace.lanes.filter(shownLanes.contains)

    let shownCategories = Set(intervals.filter { lanes.contains($0.lane) }.map(\.category))
    let categories =
      (bound.map { [$0.category] } ?? []).filter(shownCategories.contains)
      + shownCategories.filter { $0 != bound?.category }.sorted()
    func bar(_ category: String) -> Character { style.bar(categories.firstIndex(of: category) ?? 0) }
    var lines: [String] = []
    let legend =
      categories.map { "\(bar($0)) \($0)" }
      + (violation == nil ? [] : ["\(style.mark) the violation"])
    lines.append("\(heading) (ms since \(clock))")
    lines += legend.joined(separator: ", ").wrapped(to: labelWidth + plotWidth - 2).map { "  " + $0 }
    let from = milliseconds(window.lowerBound, span: span)
    let to = milliseconds(window.upperBound, span: span)
    lines.append(
      pad("", labelWidth) + from + String(repeating: " ", count: max(1, plotWidth - from.count - to.count))
        + to)

    let mark = violation.map { column($0.time) }
    for lane in lanes {
      var row = Array(repeating: style.empty, count: plotWidth)
      if let mark { row[mark] = style.column }
      // The bound's intervals drawn last, over the others.
      let drawn = intervals.filter { $0.lane == lane && inWindow($0.start, $0.end) }
      for interval in drawn.filter({ bar($0.category) != style.bar(0) })
        + drawn.filter({ bar($0.category) == style.bar(0) })
      {
        for index in column(interval.start)...column(interval.end) { row[index] = bar(interval.category) }
      }
      var values: [Int: Int] = [:]
      for event in trace.events where event.lane == lane && (window ~= event.time) {
        switch event.phase {
        case .instant: row[column(event.time)] = style.instant
        case .counter: values[column(event.time)] = event.value ?? 0
        default: break
        }
      }
      if !values.isEmpty {
        // A counter holds its value until the next change: carry it across the columns.
        var last = trace.events.last {
          $0.lane == lane && $0.phase == .counter && $0.time < window.lowerBound
        }?
        .value
        for index in 0..<plotWidth {
          if let value = values[index] { last = value }
          if let last { row[index] = digit(last) }
        }
      }
      var text = String(row)
      if let mark, let violation, violation.lane == lane {
        row[mark] = style.mark
        text = String(row[..<mark]) + style.red(String(style.mark)) + String(row[(mark + 1)...])
      }
      lines.append("  " + pad(lane, labelWidth - 2) + text)
    }
    if let bound {
      var row = Array(repeating: Character("0"), count: plotWidth)
      for index in 0..<plotWidth {
        let from = window.lowerBound + Int64(index) * span / Int64(plotWidth)
        let to = window.lowerBound + Int64(index + 1) * span / Int64(plotWidth)
        let open = intervals.filter { $0.category == bound.category && $0.start < to && $0.end >= from }
        row[index] = digit(open.count)
      }
      lines.append("  " + pad("count", labelWidth - 2) + String(row))
    }
    let hidden = ordered.count - shownLanes.count
    if hidden > 0 { lines.append("  ... and \(hidden) more lane\(hidden == 1 ? "" : "s") not shown") }
    if let bound {
      let limit = bound.kind == .atMost ? "at most \(bound.limit)" : "all \(bound.limit) at once"
      lines.append("  count: how many were \(bound.state) (bound: \(limit))")
    }
    if let violation, let mark {
      let at = "at \(milliseconds(violation.time, span: span)) ms"
      lines.append(
        pad("", labelWidth + mark) + style.red(String(style.caret)) + " "
          + (mark + 2 + at.count <= plotWidth ? at : ""))
      lines += violation.words.wrapped(to: labelWidth + plotWidth - 2).map { "  " + style.red($0) }
    }
    if trace.omitted > 0 {
      lines.append("  (\(trace.omitted) events not kept: the first ones and those around the violation are)")
    }
    return lines.joined(separator: "\n")
  }

  /// The stretch of time to draw: around the violation's intervals, or the whole trace.
  static func window(_ trace: Trace, intervals: [TraceInterval], violation: TraceViolation?) -> ClosedRange<
    Int64
  > {
    let first = trace.events.map(\.time).min() ?? 0
    let last = trace.end
    guard let violation else { return first...max(last, first + 1) }
    let involved = intervals.filter {
      ([violation.lane] + violation.others).contains($0.lane) && $0.start <= violation.time
        && (violation.bound == nil || $0.category == violation.bound?.category)
        && $0.end >= violation.time
    }
    // A violation a test found after the fact (an order checked at the end) has no interval
    // open at its moment: show the lane's last interval before it, or else the whole run.
    let latest = intervals.filter { $0.lane == violation.lane && $0.start <= violation.time }
      .max { $0.start < $1.start }
    guard !involved.isEmpty || latest != nil else { return first...max(last, violation.time, first + 1) }
    let start = involved.map(\.start).min() ?? latest?.start ?? violation.time
    let end = max(involved.map(\.end).max() ?? violation.time, violation.time)
    let margin = max((end - start) / 4, 1)
    return max(first, start - margin)...max(min(last, end + margin), start + 1)
  }

  /// `2.31`: milliseconds, with as many decimals as the span needs.
  static func milliseconds(_ nanoseconds: Int64, span: Int64) -> String {
    let value = Double(nanoseconds) / 1_000_000
    let decimals = span < 10_000_000 ? 2 : span < 100_000_000 ? 1 : 0
    return String(format: "%.\(decimals)f", value)
  }

  static func digit(_ value: Int) -> Character {
    value > 9 ? "+" : Character(String(max(0, value)))
  }

  static func pad(_ text: String, _ width: Int) -> String {
    let cut = String(text.prefix(width - 1))
    return cut + String(repeating: " ", count: width - cut.count)
  }

}
