import Foundation
import WorkbookCore

/// Runs one chapter's suite in a process of its own and turns what happened into a result.
///
/// The test binary runs directly (through SwiftPM's helper on macOS: `TestLauncher`), not
/// through `swift test`: killing `swift test` leaves its test process behind, while the test
/// process's group dies whole at the deadline.
struct SuiteRunner {
  let workbook: Workbook
  let launcher: TestLauncher
  /// Where ThreadSanitizer's reports go (`--races`).
  let eventsFolder: URL
  let seed: UInt64
  let deadline: @Sendable (Chapter) -> Duration
  /// Whether the test binary is built with ThreadSanitizer, whose reports to collect.
  var detectsRaces = false
  /// Where to copy the tests' timelines (`Grader.tracesFolder`); `nil` records none.
  var tracesFolder: URL?
  var sources: Sources = .exercises
  /// How each chapter's suite is kept apart (the grader's own suites run with its rights).
  var isolation: Isolation = .none
  /// What the sandbox hides and shows, for `isolation` other than `none`.
  var plan: Sandbox.Plan? = nil

  /// The address space a suite's process may map: far above what any chapter's tests use
  /// (a few hundred MiB, thread stacks and malloc arenas included), far below the machine's memory.
  static let addressSpaceLimit: UInt64 = 6 << 30

  func run(_ chapter: Chapter) -> ChapterResult {
    let deadline = deadline(chapter)
    var expected = ExpectedTests.names(
      in: workbook.root.appendingPathComponent("Tests/\(chapter.testModule)"))
    let launched: Launched
    do {
      launched = try launch(chapter, filter: chapter.testFilter)
    } catch {
      return result(for: chapter, expected: expected, status: .crashed, message: "\(error)")
    }
    let run = SuiteRun(jsonLines: launched.events)
    // The workbook's own suites (the grader's, the fixture server's) hold test sources in their
    // strings: their tests are the ones their run reports.
    if chapter.number == Chapter.toolingNumber { expected = run.tests.map(\.displayName) }
    var result = result(
      for: chapter, expected: expected, run: run, outcome: launched.outcome, deadline: deadline,
      overflowed: launched.overflowed, races: launched.races)
    result.seconds = launched.seconds
    if detectsRaces {
      result.races = launched.races.map(\.oneLine)
      if !launched.races.isEmpty && [.passed, .failed].contains(result.status) {
        result.status = .dataRace
        result.message =
          "ThreadSanitizer saw \(launched.races.count) data race(s):\n"
          + launched.races.prefix(5).map { $0.sentence(rule: chapter.raceCheck) }.joined(separator: "\n")
      }
    }
    return result
  }

  /// What one run of the test binary left: how it ended, its event stream and ThreadSanitizer's reports.
  struct Launched {
    var outcome: Subprocess.Outcome
    var events: Data
    var seconds: Double
    var overflowed: Bool
    /// Empty unless the binary is built with ThreadSanitizer (`detectsRaces`).
    var races: [RaceReport]
  }

  /// Runs the tests of `chapter` that `filter` selects, in a process (and sandbox) of its own with
  /// the chapter's deadline.
  func launch(_ chapter: Chapter, filter: String) throws -> Launched {
    let raceLog = eventsFolder.appendingPathComponent("tsan-\(chapter.folder)").path
    let isTooling = chapter.number == Chapter.toolingNumber
    var environment = (isTooling ? [:] : Self.scrubbedEnvironment)
      .merging(["WORKBOOK_SEED": String(seed), "NO_COLOR": "1"]) { _, new in new }
      .merging(launcher.environment) { _, new in new }
    if detectsRaces {
      _ = RaceReport.collect(logPrefix: raceLog)
      environment.merge(RaceReport.environment(logPrefix: raceLog)) { _, new in new }
    }
    // The suite writes its traces in the grader's own scratch folder, which a sandboxed suite may
    // write to; the grader copies them to `.grader/traces` once the suite is done.
    let traceStaging = eventsFolder.appendingPathComponent("traces-\(chapter.folder)")
    if tracesFolder != nil {
      try? FileManager.default.removeItem(at: traceStaging)
      environment["WORKBOOK_TRACE_DIR"] = traceStaging.path
    }
    defer {
      if let tracesFolder {
        Self.copyTraces(from: traceStaging, to: tracesFolder, of: chapter, sources: sources)
      }
    }
    let sandbox = try isTooling ? nil : plan.flatMap { try Sandbox.make(isolation, plan: $0) }
    defer { sandbox?.cleanUp() }
    environment.merge(sandbox?.environment ?? [:]) { _, new in new }
    let stream = try EventPipe()
    var process = Subprocess(
      executable: launcher.executable,
      arguments: launcher.arguments(filter: filter, eventStream: stream.childPath),
      environment: environment,
      deadline: deadline(chapter)
    )
    process.inheritsEnvironment = isTooling
    process.sandbox = sandbox
    process.descriptors = [EventPipe.childDescriptor: stream.writeEnd]
    // ThreadSanitizer maps terabytes of shadow memory: a limit on address space would stop it.
    process.addressSpaceLimit = detectsRaces ? nil : Self.addressSpaceLimit
    process.onSpawn = { stream.closeWriteEnd() }
    process.dumpsThreadsAtDeadline = true
    let start = ContinuousClock.now
    let outcome = try process.run()
    let seconds = (ContinuousClock.now - start).timeInterval
    let events = stream.finish()
    return Launched(
      outcome: outcome, events: events, seconds: seconds, overflowed: stream.overflowed,
      races: detectsRaces ? RaceReport.collect(logPrefix: raceLog) : [])
  }

  /// Replaces the chapter's traces in `.grader/traces/NN/` (or its `reference/`) with this run's.
  static func copyTraces(from staging: URL, to folder: URL, of chapter: Chapter, sources: Sources) {
    let files = FileManager.default
    let destination = Grader.tracesFolder(of: chapter, in: folder, sources: sources)
    try? files.createDirectory(at: destination, withIntermediateDirectories: true)
    let old = (try? files.contentsOfDirectory(at: destination, includingPropertiesForKeys: nil)) ?? []
    for file in old where ["json", "svg"].contains(file.pathExtension) { try? files.removeItem(at: file) }
    let new = (try? files.contentsOfDirectory(at: staging, includingPropertiesForKeys: nil)) ?? []
    for file in new where ["json", "svg"].contains(file.pathExtension) {
      try? files.copyItem(at: file, to: destination.appendingPathComponent(file.lastPathComponent))
    }
    try? files.removeItem(at: staging)
  }

  /// What a chapter's test process gets of the grader's environment: enough to run, and nothing
  /// that names a folder of the instructor's (`GRADER_ROOT`, `PWD`, `OLDPWD`, the build's variables).
  static var scrubbedEnvironment: [String: String] {
    let kept = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "SWIFT_BACKTRACE"]
    let environment = ProcessInfo.processInfo.environment
    return environment.filter { kept.contains($0.key) }
  }

  /// A result for a chapter whose suite did not run, such as one that does not compile: each of
  /// its tests is there, and none passed.
  func result(for chapter: Chapter, status: ChapterResult.Status, message: String) -> ChapterResult {
    let expected = ExpectedTests.names(
      in: workbook.root.appendingPathComponent("Tests/\(chapter.testModule)"))
    return result(for: chapter, expected: expected, status: status, message: message)
  }

  private func result(
    for chapter: Chapter, expected: [String], status: ChapterResult.Status, message: String
  ) -> ChapterResult {
    ChapterResult(
      id: chapter.number, title: chapter.title, module: chapter.module, status: status,
      passed: 0, total: expected.count, message: message, failures: [],
      tests: expected.map { .init(name: $0, passed: false) }, output: nil, maxScore: chapter.points)
  }

  /// Turns a run into a result, counting a test passed only on positive evidence.
  ///
  /// A test passes if the pristine suite declares it, the run reported it started and ended with
  /// no issue, it was neither skipped nor cancelled, the run reached its end, and the process's
  /// exit status agrees: Swift Testing exits 0 when every test passed, so a run whose stream
  /// shows no failure but whose process says otherwise passes nothing.
  func result(
    for chapter: Chapter, expected: [String], run: SuiteRun, outcome: Subprocess.Outcome,
    deadline: Duration, overflowed: Bool, races: [RaceReport] = []
  ) -> ChapterResult {
    var failures: [ChapterResult.Failure] = []
    var outcomes: [ChapterResult.TestOutcome] = []
    // The workbook's own suites skip a test that needs a tool the machine lacks (Chromium), and
    // say why; a chapter's test must run to pass.
    let skipsPass = chapter.number == Chapter.toolingNumber
    for name in expected {
      let reported = run.tests.first { $0.displayName == name }
      let issues = reported.map { run.issues(of: $0) } ?? []
      let passed =
        reported.map { test in
          issues.isEmpty
            && (run.wasSkippedOrCancelled(test)
              ? skipsPass : run.started.contains(test.id) && run.ended.contains(test.id))
        } ?? false
      outcomes.append(
        .init(
          name: name, passed: passed, file: reported.map { relative($0.file) }, line: reported?.line,
          seconds: reported.flatMap { run.duration(of: $0) }))
      failures += issues.map { issue in
        .init(test: name, message: issue.message, file: relative(issue.file), line: issue.line)
      }
      if let reported, run.wasSkippedOrCancelled(reported) && issues.isEmpty && !skipsPass {
        failures.append(
          .init(
            test: name, message: "the test was skipped or cancelled: only a test that runs to its end passes",
            file: "", line: 0))
      }
    }
    let backtrace = Backtrace(output: outcome.output, root: workbook.root.path)
    var during = Self.during(run.unfinished)

    var status: ChapterResult.Status
    var message: String?
    switch outcome.termination {
    case .timedOut:
      status = .timedOut
      during = Self.during(tests(in: backtrace.threads, of: run) ?? run.unfinished)
      let sites = backtrace.hangSites()
      var whereItWas = "\nWhere it was:\n" + sites.map { "  " + $0 }.joined(separator: "\n")
      if sites.isEmpty {
        // Every thread was accounted for and none was in the chapter's code: async code that awaits.
        whereItWas =
          backtrace.threads.isEmpty
          ? ""
          : "\nNo thread was in the chapter's code: it awaits something that never comes"
            + " (a continuation never resumed, a task never finished, an endless sleep)."
      }
      message =
        "no result after \(Int(deadline.timeInterval)) s\(during): a deadlock or an endless loop?"
        + whereItWas
    case .signalled(let signal):
      status = .crashed
      let crashed = backtrace.crashedThread
      during = Self.during(crashed.flatMap { tests(in: [$0], of: run) } ?? run.unfinished)
      let site = crashed?.studentFrame().map { site in
        " at \(site.frame.place)" + (site.callee.map { ", calling \($0.symbol)" } ?? "")
      }
      message =
        "crashed with \(signalName(signal))\(site ?? "")\(during)" + Self.trapReason(in: outcome.output)
    case .exited(let code) where !run.runEnded:
      status = .crashed
      message =
        code == RaceReport.exitCode && detectsRaces
        ? "ThreadSanitizer ended the test process\(during), before the suite finished"
        : "the test process exited with code \(code)\(during), before the suite finished (exit() in a test?)"
    case .exited(let code):
      let passed = outcomes.filter(\.passed).count
      status = expected.isEmpty ? .noTests : passed == expected.count ? .passed : .failed
      if status == .noTests { message = "the suite \(chapter.testModule) has no tests" }
      // ThreadSanitizer's exit code says it reported races, which the caller shows: no tampering.
      let racesExplainIt = detectsRaces && code == RaceReport.exitCode && !races.isEmpty
      if code != 0 && failures.isEmpty && status != .noTests && !racesExplainIt {
        // Nothing failed as far as the stream says, yet Swift Testing said otherwise.
        status = .failed
        outcomes = outcomes.map { .init(name: $0.name, passed: false, file: $0.file, line: $0.line) }
        message =
          "the test process exited with code \(code) although its report shows no failure: "
          + "the report was tampered with, or the process failed after its tests"
      }
    }
    if overflowed {
      status = .crashed
      outcomes = outcomes.map { .init(name: $0.name, passed: false, file: $0.file, line: $0.line) }
      message = "the test process wrote more than \(EventPipe.limit >> 20) MiB of test events: a flood"
    }
    if status == .crashed, Self.ranOutOfMemory(outcome.output) {
      message =
        "out of memory: the tests tried to use more than \(Self.addressSpaceLimit >> 30) GiB\(during)"
        + Self.trapReason(in: outcome.output)
    }
    let keepsOutput = status == .crashed || status == .timedOut
    return ChapterResult(
      id: chapter.number, title: chapter.title, module: chapter.module, status: status,
      passed: outcomes.filter(\.passed).count, total: expected.count, message: message, failures: failures,
      tests: outcomes, output: keepsOutput ? outcome.output : nil, maxScore: chapter.points)
  }

  /// ` while running "one"`: the tests a crash or a hang happened in, named when they are few.
  ///
  /// Swift Testing runs a suite's tests at once, so a crash ends many that had nothing to do
  /// with it: past a few, only their count is worth saying.
  static func during(_ tests: [SuiteRun.Test]) -> String {
    switch tests.count {
    case 0: ""
    case 1...2: " while running " + tests.map { "\"\($0.displayName)\"" }.joined(separator: ", ")
    default: " while \(tests.count) tests were running"
    }
  }

  /// The tests whose functions hold a frame of `threads`: for each thread, the test declared last
  /// before its outermost frame in a test file. `nil` when no frame lies in a test.
  private func tests(in threads: [Backtrace.Thread], of run: SuiteRun) -> [SuiteRun.Test]? {
    var found: [SuiteRun.Test] = []
    for thread in threads {
      guard let frame = thread.frames.last(where: { $0.file?.hasPrefix("Tests/") == true }),
        let line = frame.line,
        let test = run.tests.filter({ relative($0.file) == frame.file && $0.line <= line })
          .max(by: { $0.line < $1.line })
      else { continue }
      if !found.contains(where: { $0.id == test.id }) { found.append(test) }
    }
    return found.isEmpty ? nil : found
  }

  /// Whether the runtime's last words were a failed allocation.
  static func ranOutOfMemory(_ output: String) -> Bool {
    output.contains("Could not allocate memory") || output.contains("failed to allocate")
      || output.contains("std::bad_alloc") || output.contains("Cannot allocate memory")
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
