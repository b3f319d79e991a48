import Foundation

/// A student's work handed in to an instructor: a folder with the student's chapter folders.
///
/// It may be a whole copy of the workbook (`DIR/Exercises/01-Threads/…`) or just the exercises
/// (`DIR/01-Threads/…`). Only the chapter folders count: whatever the student changed in
/// `Tests/`, `Package.swift`, `Sources/` or `grader` has no effect on the grade.
public struct Submission: Sendable {
  /// The student's id: the submission folder's name, or the zip's it was unpacked from.
  public let student: String
  /// The folder that holds the student's `NN-Module` chapter folders.
  public let exercises: URL
  /// The folder handed in: nothing outside it is read.
  public let folder: URL

  public init(folder: URL, student: String? = nil) throws {
    let files = FileManager.default
    var isFolder: ObjCBool = false
    guard files.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
      throw GraderError.missingFolder(folder.path)
    }
    self.student = student ?? folder.standardizedFileURL.lastPathComponent
    self.folder = folder.standardizedFileURL
    exercises = Self.exercisesFolder(in: folder)
  }

  /// Where the chapter folders are: `Exercises/`, the folder itself, or, as an upload zipped with
  /// a folder around it gives, the one subfolder that holds either.
  private static func exercisesFolder(in folder: URL) -> URL {
    let files = FileManager.default
    let nested = folder.appendingPathComponent("Exercises")
    if files.fileExists(atPath: nested.path) { return nested }
    // macOS's Finder adds `__MACOSX/` to every zip it makes: it is never the student's work.
    let names = ((try? files.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
      !$0.hasPrefix(".") && $0 != "__MACOSX"
    }
    if names.contains(where: { $0.firstMatch(of: /^\d\d-/) != nil }) { return folder }
    if names.count == 1 {
      let only = folder.appendingPathComponent(names[0])
      var isFolder: ObjCBool = false
      if files.fileExists(atPath: only.path, isDirectory: &isFolder), isFolder.boolValue {
        return exercisesFolder(in: only)
      }
    }
    return folder
  }
}

/// Grades submissions against this checkout's pristine tests, in a scratch copy of the workbook.
///
/// The copy lives in `.grader/submission` and keeps its build folder between students, so a
/// batch rebuilds only the chapters that differ from the last student's. The instructor's own
/// `Exercises/` is never touched.
public struct SubmissionGrader {
  public let workbook: Workbook
  public var configure: @Sendable (inout Grader) -> Void = { _ in }
  /// The scratch copy of the workbook the submissions are graded in.
  public var workspace: URL
  /// Taken around each build; graders that share it never build at once (`--jobs` in a batch).
  public var buildLock = NSLock()

  public init(workbook: Workbook) {
    self.workbook = workbook
    workspace = workbook.root.appendingPathComponent(".grader/submission")
  }

  /// Grades one submission: the pristine workbook with the student's chapter folders in it.
  public func grade(_ submission: Submission, chapters: [Chapter]? = nil) throws -> Grade {
    let (grader, lacking) = try stage(submission)
    // Builds take every core and gigabytes of memory: one at a time, whatever else runs.
    let clock = ContinuousClock()
    let (build, building) = try buildLock.withLock {
      let start = clock.now
      return (try grader.build(), clock.now - start)
    }
    let numbers = chapters.map { Set($0.map(\.number)) }
    let start = clock.now
    var grade = grader.run(
      numbers.map { numbers in workbook.chapters.filter { numbers.contains($0.number) } }
        ?? workbook.chapters,
      on: build, seed: grader.seed)
    let testing = clock.now - start
    grader.log("Built in \(Self.seconds(building)), tested in \(Self.seconds(testing)).")
    grade.student = submission.student
    // A chapter the hand-in lacks is the upload's fault, not a checkout's: say what to hand in.
    let advice = Self.missingAdvice(
      lacksEvery: lacking.count == workbook.chapters.count, handedIn: submission.exercises)
    for index in grade.chapters.indices where grade.chapters[index].status == .missing {
      if let chapter = lacking.first(where: { $0.number == grade.chapters[index].id }) {
        grade.chapters[index].message = "The hand-in has no \(chapter.folder) folder. " + advice
      }
    }
    return grade
  }

  /// What to hand in instead of an upload that lacks chapter folders, naming what it holds when
  /// it holds none at all.
  static func missingAdvice(lacksEvery: Bool, handedIn folder: URL) -> String {
    let advice =
      "Hand in your whole Exercises/ folder, with each chapter's folder (such as 01-Threads) in it, "
      + "or a zip of it; on Gradescope, upload that zip."
    guard lacksEvery else { return advice }
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
      .filter { !$0.hasPrefix(".") }.sorted()
    let held =
      names.isEmpty ? "nothing" : names.prefix(5).joined(separator: ", ") + (names.count > 5 ? ", …" : "")
    return advice + " This one holds no chapter folder at all (it holds \(held))."
  }

  private static func seconds(_ duration: Duration) -> String {
    String(format: "%.1f s", duration.timeInterval)
  }

  /// A grade for a hand-in whose grading killed the grader before (`--resume` outside a sandbox):
  /// each chapter `crashed`, with `reason`; nothing of it runs again.
  public func killedGrading(of student: String, reason: String, chapters: [Chapter]? = nil) -> Grade {
    var grade = refusal(of: student, reason: reason, chapters: chapters)
    for index in grade.chapters.indices { grade.chapters[index].status = .crashed }
    return grade
  }

  /// A grade for a hand-in that was not graded at all: each chapter `refused`, with `reason`.
  public func refusal(of student: String, reason: String, chapters: [Chapter]? = nil) -> Grade {
    var grader = Grader(workbook: workbook, sources: .exercises)
    grader.isolation = .namespaces
    configure(&grader)
    let graded = chapters ?? workbook.chapters
    grader.refused = Dictionary(uniqueKeysWithValues: graded.map { ($0, reason) })
    // Every chapter is refused, so nothing of this build is ever run.
    let nothing = Build(
      testBinary: workspace, launcher: TestLauncher(executable: workspace.path), uncompiled: [:])
    var grade = grader.run(graded, on: nothing, seed: grader.seed)
    grade.student = student
    return grade
  }

  /// Puts the student's chapter folders into the workspace and returns the grader for it, and
  /// the chapters the hand-in lacks.
  private func stage(_ submission: Submission) throws -> (Grader, Set<Chapter>) {
    try preparePristineCopy()
    let exercises = workspace.appendingPathComponent("Exercises")
    try FileManager.default.createDirectory(at: exercises, withIntermediateDirectories: true)
    var refused: [Chapter: String] = [:]
    var lacking: Set<Chapter> = []
    for chapter in workbook.chapters {
      let ours = exercises.appendingPathComponent(chapter.folder)
      let staged = workspace.appendingPathComponent(".staged")
      switch try stage(chapter, of: submission, to: staged) {
      case .lacking:
        try? FileManager.default.removeItem(at: ours)
        lacking.insert(chapter)
        continue
      case .refused(let reason):
        refused[chapter] = reason
        try? FileManager.default.removeItem(at: ours)
        continue
      case .staged: break
      }
      // A chapter the same as the last student's keeps its files, and so its build products.
      if try isSame(staged, ours) {
        try FileManager.default.removeItem(at: staged)
        continue
      }
      try? FileManager.default.removeItem(at: ours)
      try FileManager.default.moveItem(at: staged, to: ours)
    }
    // The instructor's chapters, titles and points: never the student's copy of them.
    var grader = Grader(workbook: Workbook(root: workspace, chapters: workbook.chapters), sources: .exercises)
    // A hand-in's suites see the workspace alone: never the instructor's checkout around it.
    grader.isolation = .namespaces
    configure(&grader)
    grader.hiddenFromSuites += [workbook.root, submission.folder]
    grader.refused = refused
    return (grader, lacking)
  }

  /// What `stage(_:of:to:)` made of a hand-in's chapter.
  enum StagedChapter: Equatable {
    case staged
    /// The hand-in has no folder for the chapter.
    case lacking
    /// A file of it was not taken (`SealedCopy`): the reason.
    case refused(String)
  }

  /// Copies a hand-in's chapter into `staged` (emptied first), as its build takes it: the
  /// student's own Swift files, sealed inside the submission, and this checkout's `Given/`.
  func stage(_ chapter: Chapter, of submission: Submission, to staged: URL) throws -> StagedChapter {
    try? FileManager.default.removeItem(at: staged)
    let theirs = submission.exercises.appendingPathComponent(chapter.folder)
    guard FileManager.default.fileExists(atPath: theirs.path) else { return .lacking }
    do {
      try SealedCopy(root: submission.folder).copySwiftFiles(of: theirs, to: staged, skipping: ["Given"])
    } catch {
      // A file the grader cannot take, or cannot read, costs this chapter and nothing more.
      try? FileManager.default.removeItem(at: staged)
      return .refused(
        (error as? SealedCopy.Refusal)?.description
          ?? "refused \(chapter.folder): it cannot be read: \(error)")
    }
    // What the chapter hands out (`Given/`) comes from this checkout, whatever the student's copy holds.
    let given = workbook.folder(of: chapter, in: .exercises).appendingPathComponent("Given")
    if FileManager.default.fileExists(atPath: given.path) {
      try copy(given, to: staged.appendingPathComponent("Given"))
    }
    return .staged
  }

  /// Copies what the grade depends on from this checkout, where the copy differs from it; an
  /// untouched file keeps its build products from the last student.
  ///
  /// The answer key stays out: no `Solutions/`, and no `Tests/Mutants` (patches that carry lines
  /// of it). A hand-in's code runs in this workspace, so what is not here cannot leak.
  func preparePristineCopy() throws {
    try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
    // Workspaces made before held a copy of the answer key.
    try? FileManager.default.removeItem(at: workspace.appendingPathComponent("Solutions"))
    for item in ["Package.swift", "Sources", "Tests"] {
      let source = workbook.root.appendingPathComponent(item)
      let target = workspace.appendingPathComponent(item)
      guard try !isSame(source, target, excluding: Self.answerKeyInTests) else { continue }
      try? FileManager.default.removeItem(at: target)
      try copy(source, to: target)
      if item == "Tests" { try? FileManager.default.removeItem(at: target.appendingPathComponent("Mutants")) }
    }
  }

  /// What of `Tests/` holds lines of the solutions, and never reaches a workspace.
  static let answerKeyInTests = "Mutants"

  /// Whether two files or folders hold the same files with the same contents, but for the
  /// files or folders named `excluding`.
  func isSame(_ one: URL, _ other: URL, excluding: String? = nil) throws -> Bool {
    let exclusion = excluding.map { ["-x", $0] } ?? []
    return try Subprocess(executable: "diff", arguments: ["-rq"] + exclusion + [one.path, other.path]).run()
      .termination == .exited(0)
  }

  func copy(_ source: URL, to destination: URL, keepingTimes: Bool = true) throws {
    let flags = keepingTimes ? "-Rp" : "-R"
    let outcome = try Subprocess(executable: "cp", arguments: [flags, source.path, destination.path]).run()
    guard outcome.termination == .exited(0) else {
      throw GraderError.operationFailed(
        "cp \(flags) \(source.path) \(destination.path)", output: outcome.output)
    }
  }
}
