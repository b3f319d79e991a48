import Foundation

/// What ThreadSanitizer reported about a run: one entry a distinct race.
///
/// `./grader --races` builds the tests with `--sanitize=thread` and has each suite write its
/// reports to files of its own (`TSAN_OPTIONS=log_path=…`), so a report is never lost in a flood
/// of output. TSan's SUMMARY line names one side of a race only; the report names both.
struct RaceReport: Equatable, Sendable, Codable {
  /// One side of the race: where it happened, the first frame of its stack in the chapter's own
  /// code when there is one (the top frame may be in the standard library, `Dictionary`'s insert).
  struct Access: Equatable, Sendable, Codable {
    var function: String
    var file: String
    var line: Int?
    /// Whether the access wrote (or modified) the memory, rather than only read it.
    var isWrite = false

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

  /// The exit code of a TSan-built process that reported a race and otherwise ran well.
  static let exitCode: Int32 = 66

  /// The environment that makes a TSan-built process write its reports under `prefix`.
  static func environment(logPrefix prefix: String) -> [String: String] {
    // exitcode 66 keeps a racy run recognisable; halt_on_error=0 lets the tests finish.
    // history_size=7, the most: TSan drops a race whose older access it can no longer trace back
    // to a stack, and a thread that loops long over a shared total outruns the default history
    // (2 threads × 100 000 additions: 7 reports in 12 runs, 12 in 12 with it).
    ["TSAN_OPTIONS": "log_path=\(prefix):exitcode=\(exitCode):halt_on_error=0:history_size=7"]
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
    // The access being read: whether it writes, and its frames so far.
    var access: (isWrite: Bool, frames: [Access])?
    func endAccess() {
      if let found = access, let chosen = found.frames.first(where: \.isChapterCode) ?? found.frames.first {
        current?.accesses.append(
          Access(function: chosen.function, file: chosen.file, line: chosen.line, isWrite: found.isWrite))
      }
      access = nil
    }
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if line.hasPrefix("WARNING: ThreadSanitizer: ") {
        endAccess()
        if let report = current { reports.append(report) }
        let kind = line.dropFirst("WARNING: ThreadSanitizer: ".count).prefix { $0 != "(" }
        current = RaceReport(kind: kind.trimmingCharacters(in: .whitespaces), accesses: [])
      } else if current != nil, line.hasPrefix("  "), !line.hasPrefix("   "), line.contains(" at 0x"),
        line.hasSuffix(":"), !line.hasPrefix("  Location"), !line.hasPrefix("  Mutex")
      {
        // "  Write of size 8 at 0x… by thread T2:" or "  Previous modifying access of Swift
        // variable at 0x… by thread T1:" opens an access; its frames follow.
        endAccess()
        let words = line.lowercased()
        access = (words.contains("write") || words.contains("modifying"), [])
      } else if access != nil, let frame = frame(line) {
        access?.frames.append(frame)
      } else if access != nil {
        endAccess()
      }
      if line.hasPrefix("SUMMARY: ThreadSanitizer: ") {
        endAccess()
        if let report = current { reports.append(report) }
        current = nil
      }
    }
    endAccess()
    if let report = current { reports.append(report) }
    return reports
  }

  /// `    #3 $s3Lib…F /path/File.swift:25:35 (binary+0x…) (BuildId: …)`
  private static func frame(_ line: String) -> Access? {
    let trimmed = line.drop { $0 == " " }
    guard trimmed.hasPrefix("#"), let space = trimmed.firstIndex(of: " ") else { return nil }
    let fields = trimmed[trimmed.index(after: space)...].split(separator: " ", maxSplits: 2)
    guard fields.count >= 2 else { return nil }
    let location = fields[1].split(separator: ":")
    return Access(
      function: demangle(String(fields[0])), file: String(location[0]),
      line: location.count >= 2 ? Int(location[1]) : nil)
  }
}

extension RaceReport.Access {
  /// Whether the frame is in a chapter's own files, the student's or the solution's.
  fileprivate var isChapterCode: Bool {
    file.contains("/Exercises/") || file.contains("/Solutions/")
  }

  /// `scrape(_:timeout:)`: the function's name and labels, without its module, types or closures.
  var shortFunction: String {
    // "closure #1 @Sendable () -> () in Module.scrape(_: Swift.Array<…>, timeout: Swift.Duration) -> …"
    // `->` is an arrow, not a closing bracket.
    var text = Substring(function.replacingOccurrences(of: "->", with: "→"))
    while let range = text.range(of: " in ") {
      // Only an " in " outside any parentheses or brackets ends a closure's own description.
      let before = text[..<range.lowerBound]
      let depth = before.reduce(0) { $0 + ("(<[".contains($1) ? 1 : ")>]".contains($1) ? -1 : 0) }
      guard depth == 0 else { break }
      text = text[range.upperBound...]
    }
    guard let open = text.firstIndex(of: "(") else { return String(text) }
    let name = text[..<open].split(separator: ".").last.map(String.init) ?? String(text[..<open])
    // Each parameter, `label: Type`, at the top level of the list: its label up to the colon.
    var labels = ""
    var depth = 0
    var segment = ""
    var labelled = false
    for character in text[text.index(after: open)...] {
      if depth == 0 && character == ")" { break }
      if "(<[".contains(character) { depth += 1 }
      if ")>]".contains(character) { depth -= 1 }
      if depth == 0 && character == "," {
        (segment, labelled) = ("", false)
      } else if depth == 0 && character == ":" && !labelled {
        labels += segment.trimmingCharacters(in: .whitespaces) + ":"
        labelled = true
      } else {
        segment.append(character)
      }
    }
    return "\(name)(\(labels))"
  }
}

extension RaceReport {
  /// The race in one sentence for a student: what raced with what, at which lines of their file,
  /// and the rule it breaks. `check` is the chapter's, from its `chapter.json`.
  ///
  ///     a write at Scraper.swift:53 in scrape(_:timeout:) raced with a write at the same line on
  ///     another thread, with no lock between them: every thread stores its result in the
  ///     dictionary under the lock (lesson: "Sharing the results")
  func sentence(rule check: Chapter.RaceCheck?) -> String {
    func kind(_ access: Access) -> String { access.isWrite ? "a write" : "a read" }
    let rule = check.map { ": \($0.rule) (lesson: \"\($0.lesson)\")" } ?? ""
    guard let first = accesses.first else {
      return "two threads used the same memory at once, with no lock between them\(rule)"
    }
    var text = "\(kind(first)) at \(first.place) in \(first.shortFunction) raced with "
    if let second = accesses.dropFirst().first {
      text +=
        second.place == first.place
        ? "\(kind(second)) at the same line on another thread"
        : "\(kind(second)) at \(second.place) in \(second.shortFunction) on another thread"
    } else {
      text += "another thread's access"
    }
    return text + ", with no lock between them" + rule
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
