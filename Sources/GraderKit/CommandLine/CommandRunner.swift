import Foundation
import Synchronization

/// Carries out a command: what `./grader …` does, returning the exit code it documents.
public struct CommandRunner {
  public let command: Command
  public let workbook: Workbook
  /// Where results go; standard output.
  public var print: (String) -> Void = { Swift.print($0, terminator: "") }

  public init(command: Command, workbook: Workbook) {
    self.command = command
    self.workbook = workbook
  }

  public func run() throws -> Int32 {
    try checkEdition()
    // Not before a reset: a copy taken then would hold the very edits the student wants undone;
    // nor for a release, which reads the workbook and writes elsewhere, or a merge, which reads grades.
    if ![.reset, .release, .merge].contains(command.name) {
      Skeletons(workbook: workbook).snapshotIfNeeded()
    }
    switch command {
    case .help:
      print(Command.usage(in: workbook.root) + "\n")
      return 0
    case .check(let options):
      return try check(options)
    case .grade(let options):
      let chapters = try options.chapter.map { [try workbook.chapter(named: $0)] }
      if let folder = options.submissions { return try gradeBatch(in: folder, chapters: chapters, options) }
      return try gradeOnce(chapters, options)
    case .audit(let options):
      return try audit(options)
    case .hint(let name):
      print(try Hints(workbook: workbook, chapter: workbook.chapter(named: name)).next())
      return 0
    case .reset(let name, let assumesYes):
      return try Skeletons(workbook: workbook).reset(workbook.chapter(named: name), assumesYes: assumesYes)
    case .compare(let options):
      return try compare(options)
    case .watch(let tuning):
      return try Watcher(workbook: workbook, configure: configure(tuning)).run()
    case .release(let folder):
      let release = try StudentEdition(workbook: workbook).write(to: URL(fileURLWithPath: folder))
      print(release.summary + "\n")
      return 0
    case .merge(let options):
      return try merge(options)
    case .readme(let tuning):
      let skeletons = try ownGrader(.exercises, tuning).grade(nil)
      let changed = try ReadmeExample(workbook: workbook).write(skeletons)
      print(
        (changed.isEmpty
          ? "The READMEs already show the skeletons' table."
          : "Wrote the skeletons' table into \(changed.joined(separator: " and ")).") + "\n")
      return 0
    }
  }

  /// Throws `instructorEditionOnly` for a command that needs the solutions, in a student edition.
  ///
  /// A student edition has no `Solutions/` at all; a chapter's solution folder missing from the
  /// instructor's edition is a broken workbook instead, which the command itself reports.
  private func checkEdition() throws {
    guard Workbook.isStudentEdition(at: workbook.root) else { return }
    let needsSolutions: String? =
      switch command {
      case .check: "./grader check"
      case .compare: "./grader compare"
      case .release: "./grader release"
      case .readme: "./grader readme"
      case .grade(let options) where options.sources == .solutions: "./grader --solutions"
      case .audit(let options) where options.sources == .solutions: "./grader audit --solutions"
      default: nil
      }
    if let needsSolutions { throw GraderError.instructorEditionOnly(needsSolutions) }
  }

  /// The tuning as a closure, for the types that make graders of their own.
  private func configure(_ tuning: Tuning) -> @Sendable (inout Grader) -> Void {
    let root = workbook.root
    return { tuning.configure(&$0, tracesUnder: root) }
  }

  private func grader(_ sources: Sources, _ tuning: Tuning) -> Grader {
    var grader = Grader(workbook: workbook, sources: sources)
    tuning.configure(&grader)
    return grader
  }

  /// The grader of a student's own run, `./grader` (and the READMEs' example of it): their
  /// exercises run in the sandbox too, which keeps their own `rm -rf` bug from the workbook and
  /// costs no measurable time (Benchmarks/README.md, "The sandbox's cost").
  private func ownGrader(_ sources: Sources, _ tuning: Tuning) -> Grader {
    var own = grader(sources, tuning)
    if sources == .exercises { own.isolation = .namespaces }
    return own
  }

  /// Grades this checkout's exercises (or solutions), or one submission, and writes the exports.
  private func gradeOnce(_ chapters: [Chapter]?, _ options: GradeOptions) throws -> Int32 {
    let grade: Grade
    if let path = options.submission {
      let handIn = try HandIn(URL(fileURLWithPath: path))
      var submissions = SubmissionGrader(workbook: workbook)
      submissions.configure = configure(options.tuning)
      grade = try Batch.grade(
        handIn, with: submissions, unpacker: handIn.isZip ? try Self.unpacker() : nil,
        scratch: workbook.root.appendingPathComponent(".grader/unpacked"), chapters: chapters)
    } else {
      grade = try ownGrader(options.sources, options.tuning).grade(chapters)
      #if os(Linux)
        // The header names the level the suites got; a refusal says why, once a run.
        if options.sources == .exercises, grade.isolation != .namespaces,
          let reason = Sandbox.namespacesRefusal
        {
          let line =
            "sandbox: \(grade.isolation.rawValue), since this machine refuses the namespaces: \(reason)\n"
          FileHandle.standardError.write(Data(line.utf8))
        }
      #endif
    }
    if let file = options.gradescopeFile {
      try write(try grade.gradescopeJSON(), to: file)
    }
    if let file = options.junitFile {
      try write(grade.junitXML(), to: file)
    }
    if let file = options.classroomFile {
      try write(try grade.classroomEnvironment(), to: file)
    }
    if options.format == .json {
      print(try grade.json())
    } else {
      print(
        Report(usesColor: Report.terminalWantsColor, isDetailed: options.chapter != nil).render(grade)
      )
    }
    if options.tuning.writesTraces {
      let chapters = grade.chapters.compactMap { try? workbook.chapter(named: $0.id) }
      let lines = traceLines(of: chapters, sources: [options.sources])
      // Standard output holds the JSON alone.
      if options.format == .json {
        FileHandle.standardError.write(Data(lines.utf8))
      } else {
        print(lines)
      }
    }
    return grade.isPassing ? 0 : 1
  }

  /// The machine's unpacker for zipped hand-ins, or the error that says there is none (exit code 3).
  private static func unpacker() throws -> Unpacker {
    guard let unpacker = Unpacker.find() else { throw Unpacker.missing }
    return unpacker
  }

  private func write(_ text: String, to path: String) throws {
    try Self.write(text, to: path)
  }

  /// Writes `text` to a temporary file beside `path`, then renames it: never half a file.
  private static func write(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try GraderError.whenFailing("writing \(path)") {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try text.write(to: url, atomically: true, encoding: .utf8)
    }
  }

  /// Grades every hand-in in `folder`, a row each as soon as it is graded; one that breaks in any
  /// way gets its row all the same, and `--resume` skips the students the CSV already has.
  private func gradeBatch(in folder: String, chapters: [Chapter]?, _ options: GradeOptions) throws -> Int32 {
    var handIns = try HandIn.all(in: URL(fileURLWithPath: folder))
    let graded = chapters ?? workbook.chapters
    let gradebook = Gradebook(chapters: graded)
    var batch = Batch(workbook: workbook)
    batch.chapters = chapters
    batch.configure = configure(options.tuning)
    batch.slots = options.tuning.jobs ?? Batch.defaultSlots
    if let shard = options.shard {
      let all = handIns.count
      handIns = shard.select(handIns)
      let range = handIns.first.map { "\($0.id) … \(handIns.last?.id ?? "")" } ?? "none"
      batch.log("Share \(shard.index) of \(shard.count): \(handIns.count) of the \(all) students (\(range)).")
    }
    if handIns.contains(where: \.isZip) { batch.unpacker = try Self.unpacker() }
    let file = try options.csvFile.map {
      try GradebookFile(path: $0, gradebook: gradebook, resuming: options.resumes)
    }
    let jsonFile = try options.jsonFile.map { try JSONLinesFile(path: $0, resuming: options.resumes) }
    // A student is done when every file asked for holds them: one cut short between the two is graded again.
    let kept = [file?.ids, jsonFile?.ids].compactMap { $0.map(Set.init) }
    let already = kept.dropFirst().reduce(kept.first ?? []) { $0.intersection($1) }
    var toGrade = handIns.filter { !already.contains($0.id) }
    if toGrade.count < handIns.count {
      let files = [options.csvFile, options.jsonFile].compactMap { $0 }.joined(separator: " and ")
      batch.log(
        "\(handIns.count - toGrade.count) of \(handIns.count) students are in \(files) already (--resume): grading the other \(toGrade.count)."
      )
    }
    let grades = Mutex<[Grade]>([])
    let exports = (options.gradescopeFile, options.junitFile)
    // Outside a sandbox a hand-in can kill the grader: who was being graded is written down first.
    let startedPath = (options.csvFile ?? options.jsonFile).map(StartedLog.path(besides:))
    let killed =
      options.resumes ? startedPath.map { StartedLog.killed(in: $0, graded: already) } ?? [:] : [:]
    let startedLog =
      try startedPath.flatMap { path in
        Sandbox.strongest(upTo: .namespaces) == .none || !killed.isEmpty
          ? try StartedLog(path: path, resuming: options.resumes) : nil
      }
    if let startedLog {
      batch.willGrade = { startedLog.started($0.id) }
      ChildProcesses.onInterrupt { startedLog.interruptAll() }
    }
    let record: @Sendable (Grade, String?) throws -> Void = { grade, note in
      let id = grade.student ?? "student"
      // Exports first: a row in the CSV means the student is done, exports included.
      if let folder = exports.0 {
        try Self.write(
          try grade.gradescopeJSON(),
          to: URL(fileURLWithPath: folder).appendingPathComponent("\(id).json").path)
      }
      if let folder = exports.1 {
        try Self.write(
          grade.junitXML(), to: URL(fileURLWithPath: folder).appendingPathComponent("\(id).xml").path)
      }
      try jsonFile?.append(try gradebook.jsonLine(grade, note: note))
      try file?.append(gradebook.row(grade, note: note))
      startedLog?.finished(id)
      grades.withLock { $0.append(grade) }
    }
    do {
      // A student whose grading killed the grader is not graded again: the same code would kill it again.
      var submissions = SubmissionGrader(workbook: workbook)
      submissions.configure = batch.configure
      for (id, start) in killed.sorted(by: { $0.key < $1.key }) where toGrade.contains(where: { $0.id == id })
      {
        let reason =
          "the grading was killed (it started \(start) and never ended): the hand-in's code may kill the grader"
        let grade = submissions.killedGrading(
          of: id,
          reason: reason, chapters: chapters)
        try record(grade, reason)
        batch.log("\(id): the grading was killed when it started \(start); graded crashed, not again.")
      }
      toGrade.removeAll { killed[$0.id] != nil }
      try batch.run(toGrade, graded: record)
    } catch {
      if let path = file?.path ?? jsonFile?.path {
        batch.log(
          "The batch stopped; every student graded so far is in \(path): run it again with --resume to grade the rest."
        )
      }
      throw error
    }
    try file?.sortRows()
    try jsonFile?.sortLines()
    let done = grades.withLock { $0 }.sorted { ($0.student ?? "") < ($1.student ?? "") }
    if options.format == .json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      print(String(decoding: try encoder.encode(done), as: UTF8.self) + "\n")
    } else if let file {
      print((try? String(contentsOfFile: file.path, encoding: .utf8)) ?? "")
    } else {
      print(gradebook.csv(done))
    }
    return done.allSatisfy(\.isPassing) ? 0 : 1
  }

  /// Joins the parts of a class graded in shares; exit code 1, and nothing written, when they do
  /// not hold every student once.
  private func merge(_ options: MergeOptions) throws -> Int32 {
    let merged = try GradebookMerge(parts: options.parts)
    let students = try options.submissions.map { try HandIn.all(in: URL(fileURLWithPath: $0)).map(\.id) }
    var problems = merged.problems(students: students)
    if options.csvFile != nil && merged.csv == nil {
      problems.append("--csv asks for a CSV, and no part is one: give the parts that --csv wrote.")
    }
    if options.jsonFile != nil && merged.lines.isEmpty {
      problems.append("--json asks for JSON lines, and no part holds any: give the parts that --json wrote.")
    }
    guard problems.isEmpty else {
      print(
        (problems.map { "✘ \($0)" } + ["Nothing written: the parts are not the class."]).joined(
          separator: "\n") + "\n")
      return 1
    }
    if let path = options.csvFile, let csv = merged.csv { try write(csv, to: path) }
    if let path = options.jsonFile { try write(merged.jsonLines, to: path) }
    let written = [options.csvFile, options.jsonFile].compactMap { $0 }.joined(separator: " and ")
    let checked = students == nil ? "" : ", every hand-in once"
    print(
      "Merged \(options.parts.count) parts: \(merged.studentCount) students\(checked), into \(written).\n")
    return 0
  }

  private func audit(_ options: AuditOptions) throws -> Int32 {
    let chapters = try options.chapter.map { [try workbook.chapter(named: $0)] } ?? workbook.chapters
    if options.auditsMutants { return try auditMutants(of: chapters, options) }
    let runs = options.runs
    var audit = FlakeAudit(
      grader: grader(options.sources, options.tuning), runs: runs, hogsCPUs: options.hogsCPUs)
    // In the instructor's edition, Exercises/ holds the skeletons, which must fail every test every
    // run; in a student edition it holds the student's work, audited for flakes like the solutions.
    let solutions = workbook.root.appendingPathComponent(Sources.solutions.folderName)
    audit.expectsFailures =
      options.sources == .exercises && FileManager.default.fileExists(atPath: solutions.path)
    let flakes = try audit.run(chapters)
    let load = options.hogsCPUs ? ", every core kept busy" : ""
    let what = audit.expectsFailures ? "skeletons" : options.sources.rawValue
    var lines = ["Flake audit of the \(what): \(runs) runs\(load)."]
    let verb = audit.expectsFailures ? "passed" : "failed"
    for flake in flakes {
      let seeds = flake.seeds.prefix(5).map(String.init).joined(separator: ", ")
      lines.append(
        "✘ \(flake.chapter) \(flake.test): \(verb) \(flake.failures) of \(runs) runs (seeds \(seeds))")
    }
    if audit.expectsFailures {
      for (chapter, count) in audit.testCounts.sorted(by: { $0.key < $1.key })
      where !flakes.contains(where: { $0.chapter == chapter }) {
        lines.append(
          "✔ \(chapter): the skeleton failed each of its \(count) tests in \(runs) of \(runs) runs")
      }
    }
    lines.append(
      flakes.isEmpty
        ? "No test ever \(verb)."
        : "\(flakes.count) tests \(verb) in some run\(audit.expectsFailures ? ": free points" : "").")
    print(lines.joined(separator: "\n") + "\n")
    return flakes.isEmpty ? 0 : 1
  }

  /// Each mutant of `chapters` `--repeat` times: a mutant must fail its chapter in every run.
  private func auditMutants(of chapters: [Chapter], _ options: AuditOptions) throws -> Int32 {
    var mutants = Mutants(workbook: workbook)
    mutants.configure = configure(options.tuning)
    let ofChapters = mutants.all().filter { chapters.contains($0.chapter) }
    let unknown = options.onlyMutants.filter { name in !ofChapters.contains { $0.isNamed(name) } }
    guard unknown.isEmpty else {
      throw GraderError.usage(
        "Tests/Mutants holds no mutant \(unknown.joined(separator: ", ")) of \(chapters.map(\.folder).joined(separator: ", ")); "
          + "its mutants: \(ofChapters.map(\.label).joined(separator: ", ")).")
    }
    let chosen =
      options.onlyMutants.isEmpty
      ? ofChapters
      : ofChapters.filter { mutant in options.onlyMutants.contains(where: mutant.isNamed) }
    guard !chosen.isEmpty else {
      throw GraderError.usage(
        "Tests/Mutants holds no mutant of \(chapters.map(\.folder).joined(separator: ", ")).")
    }
    let load = options.hogsCPUs ? ", every core kept busy" : ""
    print("Mutant audit: \(chosen.count) mutants × \(options.runs) runs\(load).\n")
    // Each round's lines as it ends: an audit of an hour that is stopped keeps what it found.
    let audited = try mutants.audit(
      chosen, runs: options.runs, hogsCPUs: options.hogsCPUs,
      log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) },
      roundEnded: { round in
        print(round.map { auditLine($0.mutant, $0.outcomes) + "\n" }.joined())
        fflush(nil)
      })
    let escaped = audited.filter { $0.outcomes.contains { !$0.isCaughtAsExpected } }.count
    print(
      escaped == 0
        ? "Every mutant failed every run.\n" : "\(escaped) mutants passed some run: a lucky wrong answer.\n")
    return escaped == 0 ? 0 : 1
  }

  /// One mutant's line of the audit: how often it was caught, how, and by which tests.
  private func auditLine(_ mutant: Mutants.Mutant, _ outcomes: [Mutants.Outcome]) -> String {
    let caught = outcomes.filter(\.isCaughtAsExpected)
    // A run that caught the mutant without the words its header expects is a message that drifts.
    let unexplained = outcomes.filter { $0.isCaught && !$0.isCaughtAsExpected }
    let unnamed = Set(unexplained.flatMap { $0.missingExpectations + $0.typeNamesShown }).sorted()
    let statuses = Dictionary(grouping: outcomes.map(\.result.status.rawValue), by: { $0 })
      .map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
    let failing = Set(caught.flatMap { $0.result.tests.filter { !$0.passed }.map(\.name) }).sorted()
    // The slowest suite shows the mutants caught only at a test's deadline, which audits take longest on.
    let slowest =
      outcomes.compactMap(\.result.seconds).max().map { String(format: ", slowest run %.1f s", $0) } ?? ""
    return "\(caught.count == outcomes.count ? "✔" : "✘") \(mutant.label): caught in \(caught.count) of "
      + "\(outcomes.count) runs (\(statuses)\(slowest)); failing: \(failing.prefix(3).joined(separator: " | "))"
      + (unexplained.isEmpty
        ? ""
        : "; \(unexplained.count) runs lacked or showed: \(unnamed.map { "\"\($0)\"" }.joined(separator: ", "))")
  }

  private func check(_ options: CheckOptions) throws -> Int32 {
    var check = Check(workbook: workbook)
    check.configure = configure(options.tuning)
    check.gradesAllMutants = options.gradesAllMutants
    let items = try check.run()
    let broken = items.filter { !$0.isPassing }
    var lines = broken.map { "✘ \($0.name): \($0.problem ?? "")" }
    let (graded, all, turn) = check.mutantsToGrade()
    lines.append(
      turn.map {
        "mutants: graded \(graded.count) of \(all.count), the share of turn \($0) (the commit count; "
          + "\(Mutants.roundsPerCheck) a chapter); ./grader check --all-mutants grades every one"
      } ?? "mutants: graded all \(all.count)")
    lines.append(RuleMap(workbook: workbook).summary)
    lines.append(
      broken.isEmpty ? "Every invariant of the workbook holds." : "\(broken.count) invariants are broken.")
    lines.append("check: \(items.count - broken.count) passed, \(broken.count) failed")
    print(lines.joined(separator: "\n") + "\n")
    return broken.isEmpty ? 0 : 1
  }

  /// The student's chapter beside the solution: each test's result, then each file's diff.
  private func compare(_ options: CompareOptions) throws -> Int32 {
    let chapter = try workbook.chapter(named: options.chapter)
    let studentFolder: URL
    let student: Grade
    if let folder = options.submission {
      let submission = try Submission(folder: URL(fileURLWithPath: folder))
      var grader = SubmissionGrader(workbook: workbook)
      grader.configure = configure(options.tuning)
      student = try grader.grade(submission, chapters: [chapter])
      studentFolder = submission.exercises.appendingPathComponent(chapter.folder)
    } else {
      student = try grader(.exercises, options.tuning).grade([chapter])
      studentFolder = workbook.folder(of: chapter, in: .exercises)
    }
    var solutionGrader = grader(.solutions, options.tuning)
    solutionGrader.seed = student.seed
    let solution = try solutionGrader.grade([chapter])
    print(ComparisonReport(chapter: chapter, student: student, solution: solution).render())
    print(try FileDiff.render(solution: workbook.folder(of: chapter, in: .solutions), student: studentFolder))
    if options.tuning.writesTraces { print(traceLines(of: [chapter], sources: [.exercises, .solutions])) }
    return student.isPassing ? 0 : 1
  }

  /// Where `--trace` wrote each chapter's timelines, and how to open them.
  private func traceLines(of chapters: [Chapter], sources: [Sources]) -> String {
    let folder = workbook.root.appendingPathComponent(Grader.tracesPath)
    var lines: [String] = []
    for chapter in chapters {
      for source in sources {
        let traces = Grader.tracesFolder(of: chapter, in: folder, sources: source)
        let count = ((try? FileManager.default.contentsOfDirectory(atPath: traces.path)) ?? [])
          .filter { $0.hasSuffix(".json") }.count
        let relative = String(traces.path.dropFirst(workbook.root.path.count + 1))
        let whose = source == .solutions ? "the reference's" : "your"
        lines.append("Traces: \(count) of \(whose) test timelines in \(relative)/")
      }
    }
    lines.append("Open a .json in https://ui.perfetto.dev (or chrome://tracing), a .svg in any browser.")
    return lines.joined(separator: "\n") + "\n"
  }
}
