import Foundation

/// Draws a trace as one self-contained SVG picture: a row a lane, a bar an interval, a step line a
/// counter, and the violation as a red line with its words. No script, no font file, no link.
public enum TimelineSVG {
  static let width = 960
  static let labelWidth = 90
  static let laneHeight = 26
  static let top = 52
  /// Lanes past this many are summed up in one line.
  public static let maximumLanes = 40
  static let palette = ["#4e79a7", "#59a14f", "#f28e2b", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]

  /// The picture of `trace`; `caption` is written under the title.
  public static func render(_ trace: Trace, caption: String? = nil) -> String {
    let allLanes = trace.lanes
    let lanes = Array(allLanes.prefix(maximumLanes))
    let intervals = trace.intervals
    let violation = trace.violation
    let first = trace.events.map(\.time).min() ?? 0
    let span = Double(max(trace.end - first, 1))
    let plot = Double(width - labelWidth - 20)
    func x(_ time: Int64) -> Double { Double(labelWidth) + Double(time - first) / span * plot }
    func y(_ lane: String) -> Int { top + (lanes.firstIndex(of: lane) ?? 0) * laneHeight }
    let categories = Array(Set(intervals.map(\.category))).sorted()
    func color(_ category: String) -> String {
      palette[(categories.firstIndex(of: category) ?? 0) % palette.count]
    }
    let footer = (violation == nil ? 0 : 40) + (allLanes.count > lanes.count ? 20 : 0) + 36
    let height = top + lanes.count * laneHeight + footer

    var body: [String] = []
    body.append("<rect width='100%' height='100%' fill='#ffffff'/>")
    body.append(text(12, 20, trace.title, attributes: "font-size='15' font-weight='bold'"))
    if let caption { body.append(text(12, 38, caption, attributes: "font-size='12' fill='#555555'")) }
    for (index, lane) in lanes.enumerated() {
      let laneTop = top + index * laneHeight
      if index % 2 == 0 {
        body.append(
          "<rect x='0' y='\(laneTop)' width='\(width)' height='\(laneHeight)' fill='#f4f4f4'/>")
      }
      body.append(
        text(
          12, laneTop + laneHeight / 2 + 4, lane, attributes: "class='lane' font-size='12'"))
    }
    // Intervals of one lane and category less than half a pixel apart are drawn as one bar: a
    // thread's thousand back-to-back windows make one bar, not a thousand rectangles.
    var bars: [(interval: TraceInterval, count: Int)] = []
    var lastBar: [String: Int] = [:]
    for interval in intervals where lanes.contains(interval.lane) {
      let key = interval.lane + "\u{0}" + interval.category
      if let index = lastBar[key], x(interval.start) - x(bars[index].interval.end) < 0.5 {
        bars[index].interval.end = max(bars[index].interval.end, interval.end)
        bars[index].count += 1
      } else {
        lastBar[key] = bars.count
        bars.append((interval, 1))
      }
    }
    for (interval, count) in bars {
      let left = x(interval.start)
      let barWidth = max(x(interval.end) - left, 1.5)
      let what = interval.name.isEmpty || count > 1 ? interval.category : interval.name
      let title = "\(interval.lane) \(what)" + (count > 1 ? " × \(count)" : "")
      body.append(
        "<rect class='interval' x='\(format(left))' y='\(y(interval.lane) + 5)' width='\(format(barWidth))' "
          + "height='\(laneHeight - 10)' rx='2' fill='\(color(interval.category))'><title>\(escape(title))</title></rect>"
      )
    }
    for lane in lanes {
      let counts = trace.events.filter { $0.lane == lane && $0.phase == .counter }
      guard !counts.isEmpty else { continue }
      let most = Double(max(counts.map { $0.value ?? 0 }.max() ?? 1, 1))
      let bottom = Double(y(lane) + laneHeight - 3)
      func level(_ value: Int?) -> Double { bottom - Double(value ?? 0) / most * Double(laneHeight - 8) }
      var points: [String] = ["\(format(x(counts[0].time))),\(format(bottom))"]
      var previous: Int? = 0
      for event in counts {
        points.append("\(format(x(event.time))),\(format(level(previous)))")
        points.append("\(format(x(event.time))),\(format(level(event.value)))")
        previous = event.value
      }
      points.append("\(format(x(trace.end))),\(format(level(previous)))")
      body.append(
        "<polyline class='counter' points='\(points.joined(separator: " "))' fill='none' stroke='#e15759' "
          + "stroke-width='1.5'><title>\(escape(lane)): most \(Int(most))</title></polyline>")
    }
    for event in trace.events where event.phase == .instant && lanes.contains(event.lane) {
      let centre = x(event.time)
      let middle = y(event.lane) + laneHeight / 2
      body.append(
        "<path class='instant' d='M\(format(centre)) \(middle - 6) l5 6 l-5 6 l-5 -6 z' fill='#333333'>"
          + "<title>\(escape(event.name))</title></path>")
    }
    let axisTop = top + lanes.count * laneHeight
    body.append(
      "<line x1='\(labelWidth)' y1='\(axisTop)' x2='\(width - 20)' y2='\(axisTop)' stroke='#888888'/>")
    for tick in 0...4 {
      let time = first + Int64(Double(tick) / 4 * span)
      body.append(
        text(
          Int(x(time)), axisTop + 14, "\(TimelineText.milliseconds(time, span: Int64(span))) ms",
          attributes:
            "font-size='10' fill='#555555' text-anchor='\(["start", "middle", "middle", "middle", "end"][tick])'"
        ))
    }
    if let violation {
      let left = format(x(violation.time))
      body.append(
        "<line class='violation' x1='\(left)' y1='\(top - 4)' x2='\(left)' y2='\(axisTop)' "
          + "stroke='#d62728' stroke-width='2'/>")
      body.append(
        text(
          12, axisTop + 34, "! " + violation.words,
          attributes: "class='violation-words' font-size='13' font-weight='bold' fill='#d62728'"))
    }
    if allLanes.count > lanes.count {
      body.append(
        text(
          12, height - 30, "… and \(allLanes.count - lanes.count) more lanes, in the JSON trace",
          attributes: "font-size='11' fill='#555555'"))
    }
    // The legend: a swatch and a name a category, then what was left out.
    var left = 12
    for category in categories {
      body.append(
        "<rect x='\(left)' y='\(height - 21)' width='10' height='10' rx='2' fill='\(color(category))'/>")
      body.append(text(left + 14, height - 12, category, attributes: "font-size='11' fill='#555555'"))
      left += 14 + category.count * 6 + 16
    }
    if trace.omitted > 0 {
      body.append(
        text(
          left, height - 12, "\(trace.omitted) events not kept", attributes: "font-size='11' fill='#555555'"))
    }
    return "<?xml version='1.0' encoding='UTF-8'?>" + "\n"
      + "<svg xmlns='http://www.w3.org/2000/svg' width='\(width)' height='\(height)' "
      + "viewBox='0 0 \(width) \(height)' font-family='Helvetica, Arial, sans-serif'>" + "\n"
      + body.joined(separator: "\n") + "\n</svg>\n"
  }

  static func text(_ x: Int, _ y: Int, _ content: String, attributes: String) -> String {
    "<text x='\(x)' y='\(y)' \(attributes)>\(escape(content))</text>"
  }

  static func format(_ value: Double) -> String { String(format: "%.1f", value) }

  /// `content` with the five characters XML reserves written as entities.
  static func escape(_ content: String) -> String {
    content.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
      .replacing("\"", with: "&quot;").replacing("'", with: "&apos;")
  }
}
