import Foundation
import Synchronization

/// Grades chapters of one source set: builds them, runs each suite in its own process, and
/// collects a result for each, whatever the students' code does.
public struct Grader: Sendable {
  public let workbook: Workbook
  public let sources: Sources
  /// The deadline of a chapter that sets none in `Package.swift`.
  public static let defaultDeadline: Duration = .seconds(120)
  /// A deadline for every chapter, overriding theirs (`--timeout`).
  public var deadline: Duration?
  /// How many suites run at once.
  public var jobs = 2
  public var seed = UInt64.random(in: 1...999_999)
  /// The build folder; `.build` for the exercises, as `swift test` uses, so both share work.
  public var scratchPath: URL
  /// Whether to build with ThreadSanitizer and flag chapters whose tests race (`--races`).
  public var detectsRaces = false {
    didSet { scratchPath = Self.scratchPath(of: workbook, sources: sources, detectsRaces: detectsRaces) }
  }
  /// Where each chapter's timelines go (`--trace`): `NN/` for the exercises, `NN/reference/` for
  /// the solutions, so that the two runs lie side by side; `nil` records none.
  public var tracesFolder: URL?
  /// `.grader/traces`, relative to the workbook.
  public static let tracesPath = ".grader/traces"
  /// Whether to show the build's progress on one line of the terminal (standard error is one).
  public var showsBuildProgress = BuildProgress.terminalWantsIt
  /// Whether the build includes the grader's and the fixture server's own suites, for `runToolingSuite`.
  public var includesToolingTests = false
  /// Chapters of a submission that were not taken, and why (`SealedCopy`).
  public var refused: [Chapter: String] = [:]
  /// The isolation asked for: each chapter's suite runs in the strongest sandbox this machine
  /// gives up to it (`Sandbox.strongest`), and the grade says which it got. `none` by default:
  /// hand-ins, and a student's own `./grader`, ask for `namespaces`.
  public var isolation: Isolation = .none
  /// Folders the suites' sandbox hides besides the workbook's own answer key and grader folders:
  /// the instructor's checkout around a submission's workspace, the hand-ins.
  public var hiddenFromSuites: [URL] = []
  /// Where progress goes: standard error, so that standard output stays clean for `--format json`.
  public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

  public init(workbook: Workbook, sources: Sources) {
    self.workbook = workbook
    self.sources = sources
    scratchPath = Self.scratchPath(of: workbook, sources: sources, detectsRaces: false)
  }

  /// `.build` for the exercises, as `swift test` uses; a folder of its own for every other build.
  private static func scratchPath(of workbook: Workbook, sources: Sources, detectsRaces: Bool) -> URL {
    let name = sources == .exercises ? ".build" : ".build-solutions"
    return workbook.root.appendingPathComponent(detectsRaces ? name + "-races" : name)
  }

  /// Whether a grade without `--races` runs the chapters' race checks (`RaceCheckBuild`);
  /// `GRADER_RACE_CHECKS=off` turns them off (to measure their cost, or on a toolchain without
  /// ThreadSanitizer).
  public var runsRaceChecks = ProcessInfo.processInfo.environment["GRADER_RACE_CHECKS"] != "off"
  /// Whether a race check reuses the verdict of the last one on the same files (`RaceCheckCache`);
  /// audits that repeat a grade to measure it turn this off.
  public var reusesRaceChecks = true
  /// Whether a chapter's race check runs after its plain run ended as the result given: where it
  /// can tell more (`RaceCheckBuild.isWorthRunning`); the mutant audit narrows it further.
  var checksRacesAfter: @Sendable (ChapterResult) -> Bool = RaceCheckBuild.isWorthRunning(after:)

  /// Builds the tests, leaving out the chapters that do not compile or are refused; the race
  /// checks' ThreadSanitizer build of the chapters about shared state is made when a grade needs it.
  public func build() throws -> Build {
    let refused = Set(allRefused.keys)
    var build = try Builder(
      workbook: workbook, sources: sources, scratchPath: scratchPath,
      flags: detectsRaces ? ["--sanitize=thread"] : [], skipped: refused,
      includesToolingTests: includesToolingTests, showsProgress: showsBuildProgress, log: log
    ).build()
    let checked = workbook.chapters.filter { chapter in
      chapter.raceCheck != nil && !refused.contains(chapter) && build.uncompiled[chapter] == nil
        && FileManager.default.fileExists(atPath: workbook.folder(of: chapter, in: sources).path)
    }
    guard runsRaceChecks, !detectsRaces, !checked.isEmpty else { return build }
    var builder = Builder(
      workbook: workbook, sources: sources,
      scratchPath: Self.scratchPath(of: workbook, sources: sources, detectsRaces: true),
      flags: ["--sanitize=thread"], skipped: Set(workbook.chapters).subtracting(checked),
      showsProgress: showsBuildProgress, log: log)
    builder.purpose = "with ThreadSanitizer, for the race checks"
    build.raceCheck = RaceCheckBuild(builder: builder, chapters: Set(checked))
    return build
  }

  /// Grades `chapters` (all of them by default), in course order.
  public func grade(_ chapters: [Chapter]? = nil) throws -> Grade {
    try run(chapters ?? workbook.chapters, on: build(), seed: seed)
  }

  /// The chapters not to build: those refused by whoever made this grader, and those whose code
  /// imports a test library.
  private var allRefused: [Chapter: String] {
    var refused = refused
    for chapter in workbook.chapters where refused[chapter] == nil {
      let folder = workbook.folder(of: chapter, in: sources)
      if let use = TestLibraryUse.first(in: folder, relativeTo: workbook.root) {
        refused[chapter] = use
      }
    }
    return refused
  }

  /// Runs the suites of `chapters` on a build already made, `jobs` at a time.
  public func run(_ chapters: [Chapter], on build: Build, seed: UInt64) -> Grade {
    let runner = suiteRunner(for: build, seed: seed)
    let results = ResultSlots(count: chapters.count)
    let refused = allRefused
    var toRun: [Int] = []
    for (index, chapter) in chapters.enumerated() {
      if let reason = refused[chapter] {
        results[index] = runner.result(for: chapter, status: .refused, message: reason)
      } else if let missing = missingFolder(of: chapter) {
        results[index] = runner.result(
          for: chapter, status: .missing,
          message:
            "\(missing) does not exist: restore it (git checkout -- \(missing)) or copy it from a fresh clone"
        )
      } else if let errors = build.uncompiled[chapter] {
        results[index] = runner.result(
          for: chapter, status: .doesNotCompile, message: errors.joined(separator: "\n"))
      } else {
        toRun.append(index)
      }
    }
    let scheduled = toRun
    log("Running \(scheduled.count) chapter suite\(scheduled.count == 1 ? "" : "s")…")
    forEach(scheduled) { index in results[index] = runner.run(chapters[index]) }
    var all = results.all
    if let raceBuild = build.raceCheck {
      let checks = raceChecks(of: chapters, results: all, on: raceBuild, build: build, seed: seed)
      for (index, check) in checks {
        guard let slot = all.firstIndex(where: { $0.id == chapters[index].number }) else { continue }
        all[slot].record(check.races, in: check.tests, check: chapters[index].raceCheck, root: workbook.root)
      }
    }
    var grade = Grade(sources: sources, seed: seed, chapters: all)
    grade.isolation = runner.isolation
    return grade
  }

  /// Calls `body` with each of `indices`, `jobs` at a time.
  ///
  /// Suites run `jobs` at a time; each is a process of its own, so they cannot hurt each other.
  /// Each worker takes the next chapter when it is free, so one that hangs holds one worker.
  private func forEach(_ indices: [Int], _ body: @Sendable (Int) -> Void) {
    let next = Atomic(0)
    concurrently(max(1, min(jobs, indices.count))) { _ in
      while case let item = next.add(1, ordering: .relaxed).oldValue, item < indices.count {
        body(indices[item])
      }
    }
  }

  /// The race checks of the chapters whose plain run `results` holds, by index in `chapters`:
  /// the kept verdict where the chapter's files did not change, a run with ThreadSanitizer where
  /// they did, none where the check can add nothing (`RaceCheckBuild.isWorthRunning`).
  private func raceChecks(
    of chapters: [Chapter], results: [ChapterResult], on raceBuild: RaceCheckBuild, build: Build, seed: UInt64
  ) -> [(index: Int, run: SuiteRunner.RaceCheckRun)] {
    let cache = RaceCheckCache(scratchPath: raceBuild.scratchPath)
    var found: [(index: Int, run: SuiteRunner.RaceCheckRun)] = []
    var toRun: [(index: Int, fingerprint: String)] = []
    for (index, chapter) in chapters.enumerated() where raceBuild.chapters.contains(chapter) {
      guard let result = results.first(where: { $0.id == chapter.number }),
        checksRacesAfter(result)
      else { continue }
      let fingerprint = RaceCheckCache.fingerprint(of: chapter, in: workbook, sources: sources)
      if reusesRaceChecks, let kept = cache.verdict(of: chapter, fingerprint: fingerprint) {
        found.append((index, kept))
      } else {
        toRun.append((index, fingerprint))
      }
    }
    guard !toRun.isEmpty else { return found }
    let compiled: Set<Chapter>
    let checker: SuiteRunner
    do {
      let made = try raceBuild.launcher()
      compiled = made.chapters
      checker = suiteRunner(for: build, seed: seed, raceCheck: (made.launcher, raceBuild.scratchPath))
    } catch {
      // The grade stands without its race checks: a toolchain without ThreadSanitizer, say.
      log("The race checks could not be built, so this grade has none: \(error)")
      return found
    }
    let pending = toRun.filter { compiled.contains(chapters[$0.index]) }
    log("Checking \(pending.count) chapter\(pending.count == 1 ? "" : "s") for data races…")
    let runs = RaceCheckSlots()
    forEach(pending.indices.map { $0 }) { item in
      let (index, fingerprint) = pending[item]
      guard let run = checker.raceCheck(chapters[index]) else { return }
      cache.keep(run, of: chapters[index], fingerprint: fingerprint)
      runs[index] = run
    }
    return found + pending.compactMap { item in runs[item.index].map { (item.index, $0) } }
  }

  /// Runs a suite that is not a chapter's, such as the grader's or the fixture server's own tests.
  public func runToolingSuite(module: String, title: String, on build: Build) -> ChapterResult {
    suiteRunner(for: build, seed: seed).run(Chapter(tooling: module, title: title))
  }

  /// The runner of the grade's suites, or, given `raceCheck`, of its race checks: those run the
  /// ThreadSanitizer build, from its own folder, and leave the timelines to the plain run.
  private func suiteRunner(
    for build: Build, seed: UInt64, raceCheck: (launcher: TestLauncher, scratchPath: URL)? = nil
  ) -> SuiteRunner {
    let buildFolder = raceCheck?.scratchPath ?? scratchPath
    let launcher = raceCheck?.launcher ?? build.launcher
    let detectsRaces = detectsRaces || raceCheck != nil
    let tracesFolder = raceCheck == nil ? tracesFolder : nil
    let eventsFolder = buildFolder.appendingPathComponent("grader-events")
    try? FileManager.default.createDirectory(at: eventsFolder, withIntermediateDirectories: true)
    var runner = SuiteRunner(
      workbook: workbook, launcher: launcher, eventsFolder: eventsFolder, seed: seed,
      // A tooling suite keeps its own deadline: `--timeout` is for chapters.
      deadline: { chapter in
        chapter.number == Chapter.toolingNumber
          ? chapter.deadline ?? Self.defaultDeadline : deadline ?? chapter.deadline ?? Self.defaultDeadline
      })
    runner.detectsRaces = detectsRaces
    runner.tracesFolder = tracesFolder
    runner.sources = sources
    runner.isolation = isolation == .none ? .none : Sandbox.strongest(upTo: isolation)
    // `nobody` must reach the test binary: a workbook in a folder closed to others gets none.
    if runner.isolation == .uid && !Sandbox.othersCanReach(launcher.executable) {
      runner.isolation = .none
    }
    runner.plan = Sandbox.Plan(
      workbook: workbook.root, buildFolder: buildFolder, hidden: hiddenFromSuites,
      // The race logs and the timelines are written where the grader reads them afterwards.
      writable: detectsRaces || tracesFolder != nil ? [eventsFolder] : [],
      runsAsUnprivilegedUser: Sandbox.othersCanReach(build.launcher.executable))
    return runner
  }

  /// Where the traces of `chapter` go: `.grader/traces/NN/`, or its `reference/` for the solutions.
  public static func tracesFolder(of chapter: Chapter, in folder: URL, sources: Sources) -> URL {
    let chapterFolder = folder.appendingPathComponent(chapter.number)
    return sources == .solutions ? chapterFolder.appendingPathComponent("reference") : chapterFolder
  }

  /// The folder a chapter needs and lacks, relative to the workbook, if any.
  private func missingFolder(of chapter: Chapter) -> String? {
    let needed = ["\(sources.folderName)/\(chapter.folder)", "Tests/\(chapter.testModule)"]
    return needed.first {
      !FileManager.default.fileExists(atPath: workbook.root.appendingPathComponent($0).path)
    }
  }
}

extension Chapter {
  /// The number of a suite that is not a chapter's.
  static let toolingNumber = "--"

  /// A suite outside the course, graded like a chapter.
  init(tooling module: String, title: String) {
    self.number = Self.toolingNumber
    self.module = module
    self.title = title
    // The grader's own suite builds and grades a workbook of broken chapters
    // (FaultInjectionTests): it needs a build's time, not a chapter's.
    self.deadline = .seconds(15 * 60)
    self.points = 0
    self.raceCheck = nil
  }
}

// `@unchecked Sendable`: each slot is written by exactly one worker and read after all workers
// have joined; the lock keeps the array's own storage safe while they write.
private final class ResultSlots: @unchecked Sendable {
  private var slots: [ChapterResult?]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  subscript(index: Int) -> ChapterResult? {
    get { lock.withLock { slots[index] } }
    set { lock.withLock { slots[index] = newValue } }
  }

  var all: [ChapterResult] { lock.withLock { slots.compactMap { $0 } } }
}

// `@unchecked Sendable` for the reason `ResultSlots` gives: one writer a slot, read after the join.
private final class RaceCheckSlots: @unchecked Sendable {
  private var slots: [Int: SuiteRunner.RaceCheckRun] = [:]
  private let lock = NSLock()

  subscript(index: Int) -> SuiteRunner.RaceCheckRun? {
    get { lock.withLock { slots[index] } }
    set { lock.withLock { slots[index] = newValue } }
  }
}
