import Foundation

/// The race check of a plain grade: the race tests of the chapters about shared state, run again
/// in a build with ThreadSanitizer.
///
/// An unlocked shared structure passes a plain run by luck (a lost update needs an unlucky moment)
/// while ThreadSanitizer sees the unordered accesses every run. So each grade builds the chapters
/// whose `chapter.json` has a `raceCheck` a second time, with `--sanitize=thread` in a build folder
/// of its own, and runs their race tests there; a race fails those tests with a sentence that says
/// what raced with what, where, and the lesson's rule it breaks. The other tests keep the plain
/// run's results.
///
/// The check costs a second build and runs several times slower than a plain one, so a grade
/// runs it only where it can tell the student something and only when something changed:
/// - for a chapter whose plain run passed, crashed (an unlocked structure's likeliest crash) or
///   passed some tests; a chapter none of whose tests pass has its answer already;
/// - not again while the chapter's files, its tests and the test support are as they were at the
///   last check: its verdict is kept in the build's folder (`RaceCheckCache`), since the race tests
///   make their race happen every run (chapter 5's `FetchRendezvous`);
/// - the ThreadSanitizer build itself is made only when a check has to run.
public final class RaceCheckBuild: @unchecked Sendable {
  /// The build's folder, `.build-races` (or `.build-solutions-races`).
  public let scratchPath: URL
  /// The chapters it builds: those with a race check that compiled in the plain build.
  public let chapters: Set<Chapter>
  private let builder: Builder
  // `made` is read and written only under `lock`: the build happens once, for the first caller.
  private let lock = NSLock()
  private var made: Result<(launcher: TestLauncher, chapters: Set<Chapter>), any Error>?

  init(builder: Builder, chapters: Set<Chapter>) {
    self.builder = builder
    self.scratchPath = builder.scratchPath
    self.chapters = chapters
  }

  /// The launcher of the build, and the chapters in it, building it the first time.
  func launcher() throws -> (launcher: TestLauncher, chapters: Set<Chapter>) {
    try lock.withLock {
      if let made { return try made.get() }
      let result = Result { () throws -> (launcher: TestLauncher, chapters: Set<Chapter>) in
        let build = try builder.build()
        return (build.launcher, chapters.subtracting(build.uncompiled.keys))
      }
      made = result
      return try result.get()
    }
  }

  /// Whether the race check of a chapter whose plain run ended as `result` can tell more.
  static func isWorthRunning(after result: ChapterResult) -> Bool {
    switch result.status {
    case .passed, .crashed: true
    case .failed: result.passed > 0
    default: false
    }
  }
}

extension SuiteRunner {
  /// What the race tests of one chapter showed under ThreadSanitizer.
  struct RaceCheckRun: Codable, Equatable {
    var races: [RaceReport]
    /// The display names of the race tests the run reported.
    var tests: [String]
    /// Whether the run reached its end: only such a run's verdict is kept for the next grade.
    var isComplete = true
  }

  /// Runs the race tests of `chapter` with a runner whose launcher is a ThreadSanitizer build's.
  ///
  /// Only the races count here: how the tests did is the plain run's to say, and ThreadSanitizer's
  /// exit code, 66, says no more than the reports.
  func raceCheck(_ chapter: Chapter) -> RaceCheckRun? {
    guard let check = chapter.raceCheck,
      let launched = try? launch(chapter, filter: Self.filter(chapter, tests: check.tests))
    else { return nil }
    let run = SuiteRun(jsonLines: launched.events)
    let ended = [.exited(0), .exited(RaceReport.exitCode)].contains(launched.outcome.termination)
    return RaceCheckRun(
      races: launched.races, tests: run.tests.map(\.displayName), isComplete: ended && run.runEnded)
  }

  /// `^ConcurrentScraperTests\.[^/]+/(noResultIsLost)\(`: the named test functions of the suite.
  static func filter(_ chapter: Chapter, tests: [String]) -> String {
    "^\(chapter.testModule)\\.[^/]+/(\(tests.joined(separator: "|")))\\("
  }
}

extension ChapterResult {
  /// Fails the race tests of a run in which ThreadSanitizer saw `races`, each with the race's sentence.
  ///
  /// The status says `data race` unless the chapter timed out (a deadlock hides behind no race);
  /// a crash's own words stay below the race's, since the race is the likelier cause.
  mutating func record(_ races: [RaceReport], in raceTests: [String], check: Chapter.RaceCheck?, root: URL) {
    guard !races.isEmpty else { return }
    self.races = races.map(\.oneLine)
    let first = races[0]
    let place = first.accesses.first.map { access in
      (
        file: access.file.hasPrefix(root.path + "/")
          ? String(access.file.dropFirst(root.path.count + 1)) : access.file,
        line: access.line ?? 0
      )
    }
    for index in tests.indices where raceTests.contains(tests[index].name) {
      tests[index].passed = false
      failures.append(
        .init(
          test: tests[index].name, message: "data race: " + first.sentence(rule: check),
          file: place?.file ?? "", line: place?.line ?? 0))
    }
    passed = tests.filter(\.passed).count
    guard [.passed, .failed, .crashed].contains(status) else { return }
    // Races on one structure are often many reports of the same lines: each sentence once.
    var sentences: [String] = []
    for race in races where !sentences.contains(race.sentence(rule: check)) {
      sentences.append(race.sentence(rule: check))
    }
    message =
      sentences.prefix(3).joined(separator: "\n")
      + (message.map { "\n" + $0 } ?? "")
    status = .dataRace
  }
}
