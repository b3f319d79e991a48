import Foundation

/// Draws the results as an SVG image: the speedup of each parallel variant over its sequential
/// one (with the ideal), and how many times faster Swift is than Python. Hand-written SVG, so a
/// browser opens it and nothing needs installing.
func svgChart(_ results: Results) -> String {
  var chart = SVGChart(width: 960)
  chart.title("Threading and concurrency: the guide's experiments, Python and Swift")
  chart.subtitle(
    "\(results.machine.cores) cores, \(results.machine.cpu); Swift \(results.machine.swift), "
      + "Python \(results.machine.python ?? "not measured"); medians of \(results.runs) or more runs "
      + "of each Swift variant, \(results.pythonRuns) of each Python variant and of each fetch")

  let speedupGroups = results.rows.compactMap { row -> (Row, [(String, Double, String)])? in
    var bars: [(String, Double, String)] = []
    if let python = row.python {
      let (threads, processes) = python.speedups
      if let threads { bars.append(("Python threads", threads, Palette.pythonThreads)) }
      if let processes { bars.append(("Python processes", processes, Palette.pythonProcesses)) }
    }
    let (threads, processes) = row.swift.speedups
    if let threads { bars.append(("Swift threads", threads, Palette.swiftThreads)) }
    if let processes { bars.append(("Swift processes", processes, Palette.swiftProcesses)) }
    return bars.isEmpty || row.experiment == "counter" ? nil : (row, bars)
  }
  // CPU-bound work can't beat the cores; I/O-bound work scales with the workers: two scales.
  for (heading, isIO) in [
    ("CPU-bound: speedup over sequential (higher is better; dashed line: the ideal)", false),
    ("I/O-bound: speedup over one worker (dashed line: the ideal)", true),
  ] {
    let groups = speedupGroups.filter { ($0.0.experiment == "fetch") == isIO }
    guard !groups.isEmpty else { continue }
    chart.heading(heading)
    let maximum = groups.flatMap { [$0.0.ideal?.speedup ?? 0] + $0.1.map(\.1) }.max() ?? 1
    for (row, bars) in groups {
      chart.group(
        row.workload, bars: bars, scale: .linear(maximum: max(2.5, maximum * 1.05)),
        marker: row.ideal?.speedup)
    }
  }

  let ratioGroups = results.rows.compactMap { row -> (Row, [(String, Double, String)])? in
    let colours = [
      "sequential": Palette.swiftSequential, "threads": Palette.swiftThreads,
      "processes": Palette.swiftProcesses,
    ]
    let bars = row.swiftOverPython.map { ($0.column, $0.ratio, colours[$0.column] ?? Palette.swiftThreads) }
    return bars.isEmpty ? nil : (row, bars)
  }
  if !ratioGroups.isEmpty {
    chart.heading(
      "How many times faster Swift is than Python on the same workload (log scale; dashed line: as fast)")
    let maximum = max(10, ratioGroups.flatMap { $0.1.map(\.1) }.max() ?? 10)
    for (row, bars) in ratioGroups {
      chart.group(row.workload, bars: bars, scale: .logarithmic(maximum: maximum * 1.2), marker: 1)
    }
  }
  return chart.document
}

/// The colours of the chart: Python blue, Swift orange, lighter for processes.
private enum Palette {
  static let pythonThreads = "#3572A5"
  static let pythonProcesses = "#8DB3DA"
  static let swiftSequential = "#B0412E"
  static let swiftThreads = "#F05138"
  static let swiftProcesses = "#F7A38F"
}

/// An SVG document built from the top down: titles, headings and groups of horizontal bars.
private struct SVGChart {
  enum Scale {
    case linear(maximum: Double)
    case logarithmic(maximum: Double)

    /// Where `value` falls on the bar's length, from 0 to 1.
    func position(_ value: Double) -> Double {
      switch self {
      case .linear(let maximum): return min(1, max(0, value / maximum))
      case .logarithmic(let maximum):
        // From 0.5× to the maximum, so a ratio near 1 still shows as a short bar.
        return min(1, max(0, log(value / 0.5) / log(maximum / 0.5)))
      }
    }
  }

  let width: Int
  private var body: [String] = []
  private var y = 0
  private let labelWidth = 150
  private let barHeight = 16

  init(width: Int) { self.width = width }

  mutating func title(_ text: String) {
    y += 30
    body.append(#"<text x="16" y="\#(y)" font-size="18" font-weight="bold">\#(escaped(text))</text>"#)
  }

  mutating func subtitle(_ text: String) {
    y += 20
    body.append(#"<text x="16" y="\#(y)" font-size="12" fill="rgb(85,85,85)">\#(escaped(text))</text>"#)
  }

  mutating func heading(_ text: String) {
    y += 34
    body.append(#"<text x="16" y="\#(y)" font-size="14" font-weight="bold">\#(escaped(text))</text>"#)
    y += 6
  }

  /// A workload's label on a line of its own, then one bar per value, with a dashed line at `marker`.
  mutating func group(
    _ label: String, bars: [(name: String, value: Double, colour: String)], scale: Scale, marker: Double?
  ) {
    let left = labelWidth
    let length = Double(width - left - 70)
    y += 22
    body.append(#"<text x="24" y="\#(y)" font-size="12">\#(escaped(label))</text>"#)
    y += 4
    let top = y
    for bar in bars {
      let barLength = max(1, scale.position(bar.value) * length)
      let width = decimal(barLength)
      let name = escaped(bar.name)
      let value = escaped(formatRatio(bar.value))
      body.append(
        #"<text x="\#(left - 6)" y="\#(y + 12)" font-size="11" text-anchor="end" fill="rgb(51,51,51)">\#(name)</text>"#
      )
      body.append(
        #"<rect x="\#(left)" y="\#(y + 2)" width="\#(width)" height="\#(barHeight - 4)" fill="\#(bar.colour)"/>"#
      )
      body.append(#"<text x="\#(left + Int(barLength) + 6)" y="\#(y + 12)" font-size="11">\#(value)</text>"#)
      y += barHeight
    }
    if let marker {
      let x = decimal(Double(left) + scale.position(marker) * length)
      body.append(
        #"<line x1="\#(x)" y1="\#(top)" x2="\#(x)" y2="\#(y)" stroke="rgb(34,34,34)" stroke-dasharray="4 3"/>"#
      )
    }
  }

  var document: String {
    let height = y + 24
    return """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="Helvetica, Arial, sans-serif">
      <rect width="100%" height="100%" fill="white"/>
      \(body.joined(separator: "\n"))
      </svg>

      """
  }

  /// A coordinate with one decimal: `123.4`.
  private func decimal(_ value: Double) -> String {
    String(format: "%.1f", value)
  }

  private func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
