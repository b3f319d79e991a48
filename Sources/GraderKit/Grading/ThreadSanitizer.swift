import Foundation

/// What ThreadSanitizer reported about a run: one entry a distinct race.
///
/// `./grader --races` builds the tests with `--sanitize=thread` and has each suite write its
/// reports to files of its own (`TSAN_OPTIONS=log_path=…`), so a report is never lost in a flood
/// of output. TSan's SUMMARY line names one side of a race only; the report names both.
struct RaceReport: Equatable, Sendable {
  /// One side of the race: the top frame of its stack.
  struct Access: Equatable, Sendable {
    var function: String
    var file: String
    var line: Int?

    var place: String {
      URL(fileURLWithPath: file).lastPathComponent + (line.map { ":\($0)" } ?? "")
    }
  }

  /// `data race` or `Swift access race`.
  var kind: String
  var accesses: [Access]

  /// `data race: Counter.swift:45 (Counter.increment(by:)) vs Counter.swift:45 (…)`.
  var oneLine: String {
    "\(kind): " + accesses.map { "\($0.place) (\($0.function))" }.joined(separator: " vs ")
  }

  /// The environment that makes a TSan-built process write its reports under `prefix`.
  static func environment(logPrefix prefix: String) -> [String: String] {
    // exitcode 66 keeps a racy run recognisable; halt_on_error=0 lets the tests finish.
    ["TSAN_OPTIONS": "log_path=\(prefix):exitcode=66:halt_on_error=0"]
  }

  /// The distinct reports in the files `prefix.PID` that a run left, then removes them.
  static func collect(logPrefix prefix: String) -> [RaceReport] {
    let folder = URL(fileURLWithPath: prefix).deletingLastPathComponent()
    let stem = URL(fileURLWithPath: prefix).lastPathComponent + "."
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
      $0.hasPrefix(stem)
    }
    var reports: [RaceReport] = []
    for name in names.sorted() {
      let file = folder.appendingPathComponent(name)
      let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
      try? FileManager.default.removeItem(at: file)
      for report in parse(text) where !reports.contains(report) {
        reports.append(report)
      }
    }
    return reports
  }

  /// Every warning in TSan's text output.
  static func parse(_ text: String) -> [RaceReport] {
    var reports: [RaceReport] = []
    var current: RaceReport?
    var expectsFrame = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if line.hasPrefix("WARNING: ThreadSanitizer: ") {
        if let report = current { reports.append(report) }
        let kind = line.dropFirst("WARNING: ThreadSanitizer: ".count).prefix { $0 != "(" }
        current = RaceReport(kind: kind.trimmingCharacters(in: .whitespaces), accesses: [])
        expectsFrame = false
      } else if current != nil, line.hasPrefix("  "), !line.hasPrefix("   "), line.contains(" at 0x"),
        line.hasSuffix(":"), !line.hasPrefix("  Location"), !line.hasPrefix("  Mutex")
      {
        // "  Write of size 8 at 0x… by thread T2:" opens an access; its frame #0 follows.
        expectsFrame = true
      } else if expectsFrame, let access = frame(line) {
        current?.accesses.append(access)
        expectsFrame = false
      } else if line.hasPrefix("SUMMARY: ThreadSanitizer: ") {
        if let report = current { reports.append(report) }
        current = nil
      }
    }
    if let report = current { reports.append(report) }
    return reports
  }

  /// `    #0 $s3Lib…F /path/File.swift:25:35 (binary+0x…) (BuildId: …)`
  private static func frame(_ line: String) -> Access? {
    let trimmed = line.drop { $0 == " " }
    guard trimmed.hasPrefix("#0 ") else { return nil }
    let fields = trimmed.dropFirst(3).split(separator: " ", maxSplits: 2)
    guard fields.count >= 2 else { return nil }
    let location = fields[1].split(separator: ":")
    return Access(
      function: demangle(String(fields[0])), file: String(location[0]),
      line: location.count >= 2 ? Int(location[1]) : nil)
  }
}

@_silgen_name("swift_demangle")
private func swiftDemangle(
  _ mangled: UnsafePointer<CChar>?, _ length: Int, _ output: UnsafeMutablePointer<CChar>?,
  _ outputSize: UnsafeMutablePointer<Int>?, _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?

/// A Swift symbol in readable form; any other symbol as it is.
private func demangle(_ symbol: String) -> String {
  guard symbol.hasPrefix("$s"), let text = swiftDemangle(symbol, symbol.utf8.count, nil, nil, 0) else {
    return symbol
  }
  defer { free(text) }
  return String(cString: text)
}
