import Foundation

/// Runs one chapter's suite in a process of its own and turns what happened into a result.
///
/// The test binary runs directly, not through `swift test`: killing `swift test` leaves its
/// test process behind, while the binary's process group dies whole at the deadline.
struct SuiteRunner {
  let workbook: Workbook
  let testBinary: URL
  let eventsFolder: URL
  let seed: UInt64
  let deadline: @Sendable (Chapter) -> Duration
  /// Whether the test binary is built with ThreadSanitizer, whose reports to collect.
  var detectsRaces = false

  func run(_ chapter: Chapter) -> ChapterResult {
    let deadline = deadline(chapter)
    let events = eventsFolder.appendingPathComponent("\(chapter.folder).jsonl")
    try? FileManager.default.removeItem(at: events)
    let raceLog = eventsFolder.appendingPathComponent("tsan-\(chapter.folder)").path
    var environment = ["WORKBOOK_SEED": String(seed), "NO_COLOR": "1"]
    if detectsRaces {
      _ = RaceReport.collect(logPrefix: raceLog)
      environment.merge(RaceReport.environment(logPrefix: raceLog)) { _, new in new }
    }
    let outcome: Subprocess.Outcome
    do {
      outcome = try Subprocess(
        executable: testBinary.path,
        arguments: [
          "--testing-library", "swift-testing", "--filter", chapter.testFilter,
          "--experimental-event-stream-output", events.path,
        ],
        environment: environment,
        deadline: deadline
      ).run()
    } catch {
      return result(for: chapter, status: .crashed, message: "\(error)")
    }
    let run = SuiteRun(jsonLines: (try? Data(contentsOf: events)) ?? Data())
    var result = result(for: chapter, run: run, outcome: outcome, deadline: deadline)
    if detectsRaces {
      let races = RaceReport.collect(logPrefix: raceLog).map(\.oneLine)
      result.races = races
      if !races.isEmpty && result.status == .passed {
        result.status = .dataRace
        result.message =
          "the tests pass, but ThreadSanitizer saw \(races.count) data race(s):\n"
          + races.prefix(5).joined(separator: "\n")
      }
    }
    return result
  }

  /// A result for a chapter whose suite did not run, such as one that does not compile.
  func result(for chapter: Chapter, status: ChapterResult.Status, message: String) -> ChapterResult {
    ChapterResult(
      id: chapter.number, title: chapter.title, module: chapter.module, status: status,
      passed: 0, total: 0, message: message, failures: [], tests: [], output: nil, maxScore: chapter.points)
  }

  private func result(
    for chapter: Chapter, run: SuiteRun, outcome: Subprocess.Outcome, deadline: Duration
  ) -> ChapterResult {
    var failures: [ChapterResult.Failure] = []
    var outcomes: [ChapterResult.TestOutcome] = []
    for test in run.tests {
      let issues = run.issues(of: test)
      let passed = run.ended.contains(test.id) && issues.isEmpty
      outcomes.append(.init(name: test.displayName, passed: passed))
      failures += issues.map { issue in
        .init(test: test.displayName, message: issue.message, file: relative(issue.file), line: issue.line)
      }
    }
    let passed = outcomes.filter(\.passed).count
    let running = run.unfinished.map { "\"\($0.displayName)\"" }.joined(separator: ", ")
    let during = running.isEmpty ? "" : " while running \(running)"

    let status: ChapterResult.Status
    var message: String?
    switch outcome.termination {
    case .timedOut:
      status = .timedOut
      message = "no result after \(Int(deadline.timeInterval)) s\(during): a deadlock or an endless loop?"
    case .signalled(let signal):
      status = .crashed
      message = "crashed with \(signalName(signal))\(during)" + Self.trapReason(in: outcome.output)
    case .exited(let code) where !run.runEnded:
      status = .crashed
      message =
        "the test process exited with code \(code)\(during), before the suite finished (exit() in a test?)"
    case .exited:
      status = run.tests.isEmpty ? .noTests : passed == run.tests.count ? .passed : .failed
      if status == .noTests { message = "the suite \(chapter.testModule) has no tests" }
    }
    let keepsOutput = status == .crashed || status == .timedOut
    return ChapterResult(
      id: chapter.number, title: chapter.title, module: chapter.module, status: status,
      passed: passed, total: run.tests.count, message: message, failures: failures, tests: outcomes,
      output: keepsOutput ? outcome.output : nil, maxScore: chapter.points)
  }

  private func relative(_ path: String) -> String {
    let root = workbook.root.path + "/"
    return path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path
  }

  /// The runtime's own words for a trap: "Fatal error: Index out of range", with its place.
  static func trapReason(in output: String) -> String {
    let lines = output.split(separator: "\n").filter {
      $0.contains("Fatal error") || $0.contains("fatal error")
    }
    return lines.first.map { ": " + $0.trimmingCharacters(in: .whitespaces) } ?? ""
  }
}

/// `SIGSEGV (signal 11)`.
func signalName(_ signal: Int32) -> String {
  let names: [Int32: String] = [
    SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL", SIGKILL: "SIGKILL",
    SIGSEGV: "SIGSEGV", SIGTERM: "SIGTERM", SIGTRAP: "SIGTRAP", SIGXFSZ: "SIGXFSZ", SIGPIPE: "SIGPIPE",
  ]
  return "\(names[signal] ?? "signal") (signal \(signal))"
}
