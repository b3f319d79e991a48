import Foundation

/// Wrong answers a learner plausibly writes, kept to prove that the tests fail each of them.
///
/// A mutant is a patch `Tests/Mutants/NN-Module/<name>.patch` to the chapter's solution (a unified
/// diff, paths `a/File.swift`, applied with `patch -p1` in the solution's folder), so it changes
/// only the lines that make it wrong and never drifts from the solution it spoils: a patch that no
/// longer applies fails `./grader check`. Its first line says which rule of the lesson it breaks:
/// `// Mutant: …`, or `// Mutant (--races): …` for a data race that only ThreadSanitizer catches
/// every run, which grades that mutant with `--races`; a line `// Breaks: R01.3` of its header names
/// the lesson's rules it breaks (`RuleMap`); a line `// Expects: …` holds words the student's
/// failure must show, for a test that names the cause it observed (the lock held while a closure
/// ran), so a message that drifts back to a symptom fails check. `patch` skips the header as
/// leading text. A mutant is graded like a student's submission (`SubmissionGrader`, in a scratch
/// copy of its own, `.grader/mutants/workspace`), and must fail its chapter: a mutant that passes
/// is a wrong answer the course would reward.
///
/// The chapters build into one test binary, so each chapter's mutants take turns in rounds: round
/// `k` holds the `k`-th mutant of every chapter, beside the other chapters' solutions, and one
/// build serves the whole round.
public struct Mutants {
  /// One wrong answer.
  public struct Mutant: Sendable {
    public var chapter: Chapter
    /// The patch's name, such as `spin-join`.
    public var name: String
    /// The patch, `Tests/Mutants/NN-Module/<name>.patch`.
    public var patch: URL
    /// Whether only ThreadSanitizer catches it every run, so it is graded with `--races`: a
    /// `(--races)` mutant of a chapter without a race check (`chapter.json`'s `raceCheck`).
    public var needsRaceDetector: Bool
    /// Words that the failure a student reads must hold, from the header's `// Expects:` lines.
    public var expectations: [String] = []

    /// `01-Threads/spin-join`.
    public var label: String { "\(chapter.folder)/\(name)" }

    /// Whether `nameOrLabel` names this mutant: `spin-join` or `01-Threads/spin-join`.
    public func isNamed(_ nameOrLabel: String) -> Bool {
      nameOrLabel == name || nameOrLabel == label
    }
  }

  /// How one mutant fared in a run of its chapter.
  public struct Outcome: Sendable {
    public var mutant: Mutant
    public var result: ChapterResult

    /// Whether the chapter's tests caught the mutant: some test failed, or the suite crashed.
    ///
    /// A mutant that does not compile proves nothing, and one that only hangs the suite until the
    /// chapter's deadline shows a test that waits without a deadline of its own; but a data race
    /// (`(--races)`) corrupts memory, and a suite stuck in the corrupted structure is one of its
    /// failures (a student's grade says `timed out`, 0 points).
    public var isCaught: Bool {
      [.failed, .crashed, .dataRace].contains(result.status)
        || (mutant.needsRaceDetector && result.status == .timedOut)
    }

    /// The mutant's expectations that no part of the student's report holds: its failures'
    /// messages, the chapter's message, the races.
    public var missingExpectations: [String] {
      let report = (messages + (result.races ?? [])).joined(separator: "\n")
      return mutant.expectations.filter { !report.contains($0) }
    }

    /// Names of the test support's types in the student's report (`WorkbookTestSupport.Gate`):
    /// they mean nothing to a student, and a message must say what was observed instead.
    public var typeNamesShown: [String] {
      let qualified = #/\b(?:WorkbookTestSupport|WorkbookSupport|WorkbookCore)\.[A-Z][A-Za-z0-9_]*/#
      return Array(Set(messages.flatMap { $0.matches(of: qualified).map { String($0.output) } })).sorted()
    }

    /// What the grader wrote for the student: the chapter's message and each failure's.
    private var messages: [String] {
      [result.message ?? ""] + result.failures.map(\.message)
    }

    /// Caught, with the cause named as the mutant expects and no type names of the test support.
    public var isCaughtAsExpected: Bool {
      isCaught && missingExpectations.isEmpty && typeNamesShown.isEmpty
    }
  }

  public let workbook: Workbook
  public var configure: @Sendable (inout Grader) -> Void = { _ in }

  public init(workbook: Workbook) {
    self.workbook = workbook
  }

  /// The folder of mutants, `Tests/Mutants`.
  public var folder: URL { workbook.root.appendingPathComponent("Tests/Mutants") }

  /// Every mutant, by chapter and then by name.
  public func all() -> [Mutant] {
    workbook.chapters.flatMap { chapter -> [Mutant] in
      let chapterFolder = folder.appendingPathComponent(chapter.folder)
      let names = (try? FileManager.default.contentsOfDirectory(atPath: chapterFolder.path)) ?? []
      return names.filter { $0.hasSuffix(".patch") }.sorted().map { name in
        let patch = chapterFolder.appendingPathComponent(name)
        let text = (try? String(contentsOf: patch, encoding: .utf8)) ?? ""
        return Mutant(
          chapter: chapter, name: String(name.dropLast(".patch".count)), patch: patch,
          // A chapter with a race check catches its race in a plain grade, as a student's does.
          needsRaceDetector: text.hasPrefix(Self.raceMarker) && chapter.raceCheck == nil,
          expectations: Self.expectations(in: text))
      }
    }
  }

  /// How many rounds of mutants a plain `./grader check` grades, so CI stays within its twenty
  /// minutes while `--all-mutants` grades them all.
  ///
  /// A round is one incremental build and one run of each chapter with a mutant in it: chapter
  /// 10's rounds took 37 s each (build and three runs, both cores busy, 2-core Linux machine),
  /// and a round of every chapter takes longer; chapter 10 alone has 21 mutants.
  public static let roundsPerCheck = 4

  /// A deterministic share of `mutants`: at most `rounds` of each chapter, the next ones at each turn.
  ///
  /// At turn `t`, a chapter of `n` mutants (in name order) gives those from `t × rounds` on, modulo
  /// `n`: successive commits grade successive shares, so every mutant comes up within `n / rounds`
  /// commits, and one commit always grades the same ones.
  public func share(of mutants: [Mutant], rounds: Int, turn: Int) -> [Mutant] {
    workbook.chapters.flatMap { chapter -> [Mutant] in
      let ofChapter = mutants.filter { $0.chapter == chapter }
      guard ofChapter.count > rounds else { return ofChapter }
      let start = (turn % ofChapter.count) * rounds % ofChapter.count
      return (0..<rounds).map { ofChapter[(start + $0) % ofChapter.count] }.sorted { $0.name < $1.name }
    }
  }

  /// The turn of this checkout: how many commits lead to it (`git rev-list --count HEAD`), or 0.
  public func turn() -> Int {
    let outcome = try? Subprocess(
      executable: "git", arguments: ["-C", workbook.root.path, "rev-list", "--count", "HEAD"]
    ).run()
    guard let outcome, outcome.termination == .exited(0) else { return 0 }
    return Int(outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
  }

  /// Applies `mutant` to the solution files in `folder`; with `dryRun`, only tells whether it would.
  /// Returns `patch`'s words when it does not apply.
  static func apply(_ mutant: Mutant, to folder: URL, dryRun: Bool = false) throws -> String? {
    let outcome = try Subprocess(
      executable: "patch",
      arguments: [
        "-p1", "--forward", "--silent", "--no-backup-if-mismatch", "-d", folder.path, "-i", mutant.patch.path,
      ]
        + (dryRun ? ["--dry-run"] : [])
    ).run()
    return outcome.termination == .exited(0) ? nil : outcome.output
  }

  /// The words of each `// Expects: …` line of a mutant's header.
  static func expectations(in patch: String) -> [String] {
    headerValues(expectsMarker, in: patch).filter { !$0.isEmpty }
  }

  /// The rest of each line of a mutant's header (the lines before its diff begins) that starts
  /// with `marker`, such as `// Breaks:` or `// Expects: `, trimmed.
  static func headerValues(_ marker: String, in patch: String) -> [String] {
    patch.split(separator: "\n").prefix { !$0.hasPrefix("--- ") }
      .filter { $0.hasPrefix(marker) }
      .map { $0.dropFirst(marker.count).trimmingCharacters(in: .whitespaces) }
  }

  /// The first words of a header line that holds words the student's failure must show.
  static let expectsMarker = "// Expects: "

  /// The first words of a mutant file that only ThreadSanitizer catches every run.
  static let raceMarker = "// Mutant (--races): "

  /// The mutants in rounds: at most one of each chapter in a round, so a round is one build; the
  /// rounds that need ThreadSanitizer come last, in a build of their own.
  func rounds(of mutants: [Mutant]) -> [[Mutant]] {
    [false, true].flatMap { races in
      var rounds: [[Mutant]] = []
      for chapter in workbook.chapters {
        let ofChapter = mutants.filter { $0.chapter == chapter && $0.needsRaceDetector == races }
        for (index, mutant) in ofChapter.enumerated() {
          if rounds.count <= index { rounds.append([]) }
          rounds[index].append(mutant)
        }
      }
      return rounds
    }
  }

  /// Grades each mutant once; each outcome says whether the chapter's tests caught it.
  public func run(_ mutants: [Mutant]) throws -> [Outcome] {
    let rounds = rounds(of: mutants)
    return try rounds.enumerated().flatMap { index, round in
      var submissions = grader(for: round)
      let configure = submissions.configure
      // One line a round: the builds and suites of a round are the grader's business, not the reader's.
      submissions.configure = { grader in
        configure(&grader)
        let count = round.count == 1 ? "1 mutant" : "\(round.count) mutants"
        grader.log("Grading the mutants, round \(index + 1) of \(rounds.count): \(count)…")
        grader.log = { _ in }
      }
      let grade = try submissions.grade(try stage(round), chapters: round.map(\.chapter))
      return outcomes(of: round, in: grade)
    }
  }

  /// Grades each mutant `runs` times on one build per round, optionally with every core busy.
  ///
  /// Returns, for each mutant, the outcome of every run: a mutant the tests catch only in some
  /// runs is a wrong answer that a student passes by luck.
  /// `roundEnded` gets each round's mutants and outcomes as soon as the round ends, so an audit of
  /// an hour that is stopped keeps what its finished rounds found.
  public func audit(
    _ mutants: [Mutant], runs: Int, hogsCPUs: Bool, log: @Sendable (String) -> Void,
    roundEnded: ([(mutant: Mutant, outcomes: [Outcome])]) -> Void = { _ in }
  ) throws -> [(mutant: Mutant, outcomes: [Outcome])] {
    var audited: [(mutant: Mutant, outcomes: [Outcome])] = []
    for round in rounds(of: mutants) {
      let submissions = grader(for: round)
      _ = try submissions.grade(try stage(round), chapters: round.map(\.chapter))
      // The scratch copy now holds this round and its build is current: run it again and again.
      var copy = Grader(
        workbook: Workbook(root: submissions.workspace, chapters: workbook.chapters), sources: .exercises)
      submissions.configure(&copy)
      copy.log = { _ in }
      // Each run checks for races anew: a kept verdict would repeat the first run's.
      copy.reusesRaceChecks = false
      // A run whose plain tests failed has caught its mutant, and its race check could add only
      // words: it runs where the mutant expects some. Race checks that wait out a deadline again
      // doubled the time of the mutants caught at one.
      let expectsWords = Set(round.filter { !$0.expectations.isEmpty }.map(\.chapter.number))
      copy.checksRacesAfter = { result in
        RaceCheckBuild.isWorthRunning(after: result)
          && (result.status == .passed || expectsWords.contains(result.id))
      }
      let build = try copy.build()
      let hog = hogsCPUs ? try CPUHog(processes: ProcessInfo.processInfo.activeProcessorCount) : nil
      defer { hog?.stop() }
      var byMutant = round.map { (mutant: $0, outcomes: [Outcome]()) }
      for run in 1...max(1, runs) {
        let grade = copy.run(round.map(\.chapter), on: build, seed: copy.seed &+ UInt64(run))
        for (index, outcome) in outcomes(of: round, in: grade).enumerated() {
          byMutant[index].outcomes.append(outcome)
        }
        let caught = byMutant.filter { $0.outcomes.last?.isCaught == true }.count
        log("Round of \(round.map(\.label).joined(separator: ", ")): run \(run) of \(runs), \(caught) caught")
      }
      roundEnded(byMutant)
      audited += byMutant
    }
    return audited
  }

  private func grader(for round: [Mutant]) -> SubmissionGrader {
    var grader = SubmissionGrader(workbook: workbook)
    grader.workspace = workbook.root.appendingPathComponent(".grader/mutants/workspace")
    let (configure, races) = (configure, round.contains(where: \.needsRaceDetector))
    grader.configure = { grader in
      configure(&grader)
      if races { grader.detectsRaces = true }
    }
    return grader
  }

  private func outcomes(of round: [Mutant], in grade: Grade) -> [Outcome] {
    round.map { mutant in
      let result =
        grade.chapters.first { $0.id == mutant.chapter.number }
        ?? ChapterResult(
          id: mutant.chapter.number, title: mutant.chapter.title, module: mutant.chapter.module,
          status: .missing, passed: 0, total: 0, message: "the chapter was not graded", failures: [],
          tests: [], output: nil, maxScore: mutant.chapter.points)
      return Outcome(mutant: mutant, result: result)
    }
  }

  /// A submission of every chapter's solution, with this round's mutants applied to theirs.
  ///
  /// Chapters without a mutant in the round keep their solution, so their code, and their build,
  /// stay the same from round to round.
  private func stage(_ round: [Mutant]) throws -> Submission {
    let files = FileManager.default
    let staged = workbook.root.appendingPathComponent(".grader/mutants/round")
    try? files.removeItem(at: staged)
    for chapter in workbook.chapters {
      let solution = workbook.folder(of: chapter, in: .solutions)
      guard files.fileExists(atPath: solution.path) else { continue }
      let target = staged.appendingPathComponent(chapter.folder)
      try GraderError.whenFailing("copying \(solution.path) to \(target.path)") {
        try files.createDirectory(at: staged, withIntermediateDirectories: true)
        try files.copyItem(at: solution, to: target)
      }
      if let mutant = round.first(where: { $0.chapter == chapter }),
        let problem = try Self.apply(mutant, to: target)
      {
        throw GraderError.operationFailed("patch -p1 -i \(mutant.patch.path)", output: problem)
      }
    }
    return try Submission(folder: staged)
  }
}
