import Foundation

/// Writes a grade for people: a table of chapters, then what failed and where.
public struct Report {
  /// Whether to colour the output: only on a terminal, and never with `NO_COLOR` set.
  public var usesColor: Bool
  /// One chapter in detail: every failure message, the output of a crash, the hints.
  public var isDetailed: Bool

  public init(usesColor: Bool, isDetailed: Bool) {
    self.usesColor = usesColor
    self.isDetailed = isDetailed
  }

  /// Whether standard output is a terminal that wants colour.
  public static var terminalWantsColor: Bool {
    isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
  }

  public func render(_ grade: Grade) -> String {
    var lines: [String] = []
    let titleWidth = max(24, grade.chapters.map(\.title.count).max() ?? 0)
    lines.append("\(grade.sources.folderName) · seed \(grade.seed) · sandbox: \(grade.isolation.rawValue)")
    lines.append("")
    lines.append("    " + "Chapter".padding(titleWidth) + "  Tests  Points   Status")
    for chapter in grade.chapters {
      let tests = "\(chapter.passed)/\(chapter.total)".leftPadding(5)
      let points = "\(points(chapter.score))/\(chapter.maxScore)".leftPadding(6)
      lines.append(
        "\(chapter.id)  \(chapter.title.padding(titleWidth))  \(tests)  \(points)   \(paint(chapter.status))")
    }
    let chaptersPassed = grade.chapters.filter { $0.status == .passed }.count
    lines.append(
      "    " + "Total".padding(titleWidth) + "  " + "\(grade.passed)/\(grade.total)".leftPadding(5) + "  "
        + "\(points(grade.score))/\(grade.maxScore)".leftPadding(6)
        + "   \(chaptersPassed) of \(grade.chapters.count) chapters passed")
    if grade.chapters.count > 1 {
      lines.append("")
      lines.append(progressBar(done: chaptersPassed, of: grade.chapters.count))
      if let next = grade.chapters.first(where: { $0.status != .passed }) {
        lines.append("Next: chapter \(next.id), \(next.title) — ./grader \(next.id)")
      }
    }

    for chapter in shownInDetail(grade) {
      lines.append("")
      lines.append(bold("\(chapter.id) \(chapter.title): \(chapter.status.rawValue)"))
      if let message = chapter.message {
        lines += message.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
      }
      lines += failureLines(chapter)
      if let races = chapter.races, !races.isEmpty, chapter.status != .dataRace {
        lines.append("  ThreadSanitizer also saw \(races.count) data race(s):")
        lines += races.prefix(isDetailed ? 10 : 2).map { "    " + $0 }
      }
      // The runtime's thread dump is summed up in the message above; what came before it is the suite's own.
      if isDetailed, let output = chapter.output?.components(separatedBy: "\n*** Signal ").first,
        !output.isEmpty
      {
        lines.append("  What the suite printed last:")
        lines += output.split(separator: "\n").suffix(30).map { "  | " + $0 }
      }
      if grade.sources == .exercises {
        let hints = "Exercises/\(chapter.id)-\(chapter.module)/hints.md"
        lines.append(
          isDetailed
            ? "  Stuck? Read the lesson, Exercises/\(chapter.id)-\(chapter.module)/README.md, then \(hints) (./grader hint \(chapter.id))."
            : "  Details: ./grader \(chapter.id)")
      }
    }
    if !grade.isPassing {
      lines.append("")
      lines.append("Inputs are random each run; replay this run's with --seed \(grade.seed).")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The chapters whose failures the report lists: in a student's own table of many, only the
  /// next one to work on, so they read one chapter's failures and not the whole course's; an
  /// instructor grading a hand-in sees every one.
  func shownInDetail(_ grade: Grade) -> [ChapterResult] {
    let failing = grade.chapters.filter { $0.status != .passed }
    let showsAll = isDetailed || grade.chapters.count == 1 || grade.student != nil
    return showsAll ? failing : Array(failing.prefix(1))
  }

  private func failureLines(_ chapter: ChapterResult) -> [String] {
    // A chapter whose suite never ran has one reason for all its tests, said once.
    if let reason = Self.whyNoTestRan[chapter.status], chapter.failures.isEmpty {
      let tests = chapter.total == 1 ? "its test" : "its \(chapter.total) tests"
      return chapter.total == 0 ? [] : ["  \(tests) could not run: \(reason)"]
    }
    var lines: [String] = []
    let failing = chapter.tests.filter { !$0.passed }
    for test in failing {
      let failures = chapter.failures.filter { $0.test == test.name }
      let place = failures.first.map { " (\($0.file):\($0.line))" } ?? ""
      lines.append("  ✘ \(test.name)\(place)")
      guard isDetailed else { continue }
      for failure in failures {
        lines += failure.message.split(separator: "\n").map { "      " + $0 }
        if failures.count > 1 { lines.append("      at \(failure.file):\(failure.line)") }
      }
      if failures.isEmpty { lines.append("      (did not finish)") }
    }
    return lines
  }

  /// Why no test of a chapter ran, for the statuses that say it.
  private static let whyNoTestRan: [ChapterResult.Status: String] = [
    .doesNotCompile: "the chapter does not compile (the errors above)",
    .refused: "the chapter was not taken (the reason above)",
    .missing: "a folder the chapter needs is missing (above)",
  ]

  private func points(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
  }

  private func progressBar(done: Int, of total: Int) -> String {
    let width = 30
    let filled = total == 0 ? 0 : done * width / total
    return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
      + "] \(done) of \(total) chapters done"
  }

  private func paint(_ status: ChapterResult.Status) -> String {
    let code = status == .passed ? "32" : status == .failed ? "33" : "31"
    return usesColor ? "\u{1B}[\(code)m\(status.rawValue)\u{1B}[0m" : status.rawValue
  }

  private func bold(_ text: String) -> String {
    usesColor ? "\u{1B}[1m\(text)\u{1B}[0m" : text
  }
}

extension Grade {
  /// The grade as JSON, with sorted keys so that two runs compare line by line.
  public func json() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
  }
}

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }

  fileprivate func leftPadding(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
