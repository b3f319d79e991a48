import Foundation

/// A time in the unit that reads best: `1.23 s`, `45.6 ms`, `789 µs`, `12.3 ns`.
func formatTime(_ seconds: Double) -> String {
  guard seconds.isFinite else { return "—" }
  let (value, unit): (Double, String) =
    switch seconds {
    case 1...: (seconds, "s")
    case 1e-3...: (seconds * 1e3, "ms")
    case 1e-6...: (seconds * 1e6, "µs")
    default: (seconds * 1e9, "ns")
    }
  let digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
  return String(format: "%.\(digits)f %@", value, unit)
}

/// A ratio: `1.06×` below ten, `96×` above.
func formatRatio(_ ratio: Double) -> String {
  guard ratio.isFinite else { return "—" }
  return String(format: ratio >= 10 ? "%.0f×" : "%.2f×", ratio)
}

/// A cell's time, per operation for a counter: `42.1 ns/op`.
func formatCell(_ timing: Timing?) -> String {
  guard let timing else { return "—" }
  return timing.operations > 1 ? formatTime(timing.perOperation) + "/op" : formatTime(timing.median)
}

extension Row {
  /// The ideal, as text: `2.00× (2 cores)`, `0.80 s = ceil(12 / 3) × 200 ms`.
  var idealText: String {
    guard let ideal else { return "" }
    if let seconds = ideal.seconds { return formatTime(seconds) + " = " + ideal.reason }
    if let speedup = ideal.speedup { return formatRatio(speedup) + " (" + ideal.reason + ")" }
    return ideal.reason
  }

  /// The speedups of one language over its sequential time: `1.06× / 1.90×` (threads / processes).
  func speedupText(_ cells: Cells) -> String {
    let (threads, processes) = cells.speedups
    return [threads, processes].compactMap { $0.map(formatRatio) }.joined(separator: " / ")
  }

  /// How far a language's parallel time is from the ideal time: `+2.4 % over ideal`.
  func overIdealText(_ cells: Cells) -> String {
    overIdeal(cells).map { String(format: "%+.1f %% over ideal", $0 * 100) } ?? ""
  }
}

/// The results as a table for a terminal: a heading line for each workload, then a line for each
/// language and one for how many times faster Swift is.
func textTable(_ results: Results) -> String {
  let widths = [24, 13, 13, 13, 17]
  func line(_ cells: [String], _ last: String = "") -> String {
    zip(cells, widths).map { $0.padding(toLength: max($1, $0.count + 1), withPad: " ", startingAt: 0) }
      .joined() + last
  }
  let pythonName = "Python " + (results.machine.python ?? "")
  let swiftName = "Swift " + results.machine.swift
  var lines = [line(["", "Sequential", "Threads", "Processes", "Speedup"], "vs ideal")]
  for row in results.rows {
    lines.append("")
    let details = [row.columns, row.ideal.map { _ in "ideal " + row.idealText }].compactMap { $0 }
    lines.append(row.workload + (details.isEmpty ? "" : " — " + details.joined(separator: "; ")))
    for (name, cells) in [(pythonName, row.python), (swiftName, row.swift as Cells?)] {
      guard let cells else { continue }
      lines.append(
        line(
          [
            "  " + name, formatCell(cells.sequential), formatCell(cells.threads), formatCell(cells.processes),
            row.speedupText(cells),
          ], row.overIdealText(cells)
        ).trimmingTrailingSpaces)
    }
    let ratios = Dictionary(uniqueKeysWithValues: row.swiftOverPython)
    if !ratios.isEmpty {
      lines.append(
        line(
          ["  × faster in Swift"]
            + ["sequential", "threads", "processes"].map { ratios[$0].map(formatRatio) ?? "" }
        )
        .trimmingTrailingSpaces)
    }
    if let note = row.note { lines.append("  " + note) }
  }
  return lines.joined(separator: "\n")
}

/// The results as a Markdown table, for the README.
func markdownTable(_ results: Results) -> String {
  let pythonName = "Python " + (results.machine.python ?? "")
  let swiftName = "Swift " + results.machine.swift
  var lines = [
    "| Workload | | Sequential | Threads | Processes | Speedup | Ideal |",
    "|---|---|--:|--:|--:|--:|---|",
  ]
  for row in results.rows {
    var first = true
    func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
    func workload() -> String {
      defer { first = false }
      return first ? cell(row.workload) + (row.columns.map { " <br>*\(cell($0))*" } ?? "") : ""
    }
    for (name, cells) in [(pythonName, row.python), (swiftName, row.swift as Cells?)] {
      guard let cells else { continue }
      let idealCell = [first ? row.idealText : "", row.overIdealText(cells)].filter { !$0.isEmpty }
        .joined(separator: "; ")
      lines.append(
        "| \(workload()) | \(name) | \(formatCell(cells.sequential)) | \(formatCell(cells.threads)) | "
          + "\(formatCell(cells.processes)) | \(row.speedupText(cells)) | \(cell(idealCell)) |")
    }
    let ratios = Dictionary(uniqueKeysWithValues: row.swiftOverPython)
    if !ratios.isEmpty {
      let texts = ["sequential", "threads", "processes"].map { ratios[$0].map(formatRatio) ?? "" }
      lines.append("| | *× faster in Swift* | \(texts[0]) | \(texts[1]) | \(texts[2]) | | |")
    }
  }
  return lines.joined(separator: "\n")
}

extension String {
  var trimmingTrailingSpaces: String {
    var text = self
    while text.last == " " { text.removeLast() }
    return text
  }
}
