import Foundation

/// A student's work handed in to an instructor: a folder with the student's chapter folders.
///
/// It may be a whole copy of the workbook (`DIR/Exercises/01-Threads/…`) or just the exercises
/// (`DIR/01-Threads/…`). Only the chapter folders count: whatever the student changed in
/// `Tests/`, `Package.swift`, `Sources/` or `grader` has no effect on the grade.
public struct Submission: Sendable {
  /// The student's name: the submission folder's name.
  public let student: String
  /// The folder that holds the student's `NN-Module` chapter folders.
  public let exercises: URL
  /// The folder handed in: nothing outside it is read.
  public let folder: URL

  public init(folder: URL) throws {
    let files = FileManager.default
    var isFolder: ObjCBool = false
    guard files.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
      throw GraderError.missingFolder(folder.path)
    }
    student = folder.standardizedFileURL.lastPathComponent
    self.folder = folder.standardizedFileURL
    exercises = Self.exercisesFolder(in: folder)
  }

  /// Where the chapter folders are: `Exercises/`, the folder itself, or, as an upload zipped with
  /// a folder around it gives, the one subfolder that holds either.
  private static func exercisesFolder(in folder: URL) -> URL {
    let files = FileManager.default
    let nested = folder.appendingPathComponent("Exercises")
    if files.fileExists(atPath: nested.path) { return nested }
    let names = ((try? files.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
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

  /// The submissions in `folder`, one a subfolder, by name.
  public static func all(in folder: URL) throws -> [Submission] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue
    else {
      throw GraderError.missingFolder(folder.path)
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }
      .sorted()
    return try names.compactMap { name in
      let url = folder.appendingPathComponent(name)
      var isSubfolder: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isSubfolder)
      return isSubfolder.boolValue ? try Submission(folder: url) : nil
    }
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

  public init(workbook: Workbook) {
    self.workbook = workbook
    workspace = workbook.root.appendingPathComponent(".grader/submission")
  }

  /// Grades one submission: the pristine workbook with the student's chapter folders in it.
  public func grade(_ submission: Submission, chapters: [Chapter]? = nil) throws -> Grade {
    try preparePristineCopy()
    let exercises = workspace.appendingPathComponent("Exercises")
    try FileManager.default.createDirectory(at: exercises, withIntermediateDirectories: true)
    var refused: [Chapter: String] = [:]
    for chapter in workbook.chapters {
      let theirs = submission.exercises.appendingPathComponent(chapter.folder)
      let ours = exercises.appendingPathComponent(chapter.folder)
      let staged = workspace.appendingPathComponent(".staged")
      try? FileManager.default.removeItem(at: staged)
      guard FileManager.default.fileExists(atPath: theirs.path) else {
        try? FileManager.default.removeItem(at: ours)
        continue
      }
      do {
        // Only the student's own Swift files, sealed inside the submission; what the chapter
        // hands out (`Given/`) comes from this checkout, whatever the student's copy holds.
        try SealedCopy(root: submission.folder).copySwiftFiles(of: theirs, to: staged, skipping: ["Given"])
        let given = workbook.folder(of: chapter, in: .exercises).appendingPathComponent("Given")
        if FileManager.default.fileExists(atPath: given.path) {
          try copy(given, to: staged.appendingPathComponent("Given"))
        }
      } catch let problem as SealedCopy.Refusal {
        refused[chapter] = problem.description
        try? FileManager.default.removeItem(at: staged)
        try? FileManager.default.removeItem(at: ours)
        continue
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
    let copy = Workbook(root: workspace, chapters: workbook.chapters)
    var grader = Grader(workbook: copy, sources: .exercises)
    configure(&grader)
    grader.refused = refused
    let numbers = chapters.map { Set($0.map(\.number)) }
    var grade = try grader.grade(
      numbers.map { numbers in copy.chapters.filter { numbers.contains($0.number) } })
    grade.student = submission.student
    return grade
  }

  /// Copies what the grade depends on from this checkout, where the copy differs from it; an
  /// untouched file keeps its build products from the last student.
  private func preparePristineCopy() throws {
    try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
    for item in ["Package.swift", "Sources", "Tests", "Solutions"] {
      let source = workbook.root.appendingPathComponent(item)
      let target = workspace.appendingPathComponent(item)
      guard try !isSame(source, target) else { continue }
      try? FileManager.default.removeItem(at: target)
      try copy(source, to: target)
    }
  }

  /// Whether two files or folders hold the same files with the same contents.
  private func isSame(_ one: URL, _ other: URL) throws -> Bool {
    try Subprocess(executable: "diff", arguments: ["-rq", one.path, other.path]).run().termination
      == .exited(0)
  }

  private func copy(_ source: URL, to destination: URL, keepingTimes: Bool = true) throws {
    let flags = keepingTimes ? "-Rp" : "-R"
    let outcome = try Subprocess(executable: "cp", arguments: [flags, source.path, destination.path]).run()
    guard outcome.termination == .exited(0) else {
      throw GraderError.operationFailed(
        "cp \(flags) \(source.path) \(destination.path)", output: outcome.output)
    }
  }
}
