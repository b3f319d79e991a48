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

  public init(folder: URL) throws {
    let files = FileManager.default
    var isFolder: ObjCBool = false
    guard files.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
      throw GraderError.missingFolder(folder.path)
    }
    student = folder.standardizedFileURL.lastPathComponent
    let nested = folder.appendingPathComponent("Exercises")
    exercises = files.fileExists(atPath: nested.path) ? nested : folder
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
    try? FileManager.default.removeItem(at: exercises)
    try FileManager.default.createDirectory(at: exercises, withIntermediateDirectories: true)
    for chapter in workbook.chapters {
      let theirs = submission.exercises.appendingPathComponent(chapter.folder)
      guard FileManager.default.fileExists(atPath: theirs.path) else { continue }
      // Fresh file times: the build must see each student's files as changed, even where an
      // older file time would look older than the last student's build products.
      try copy(theirs, to: exercises.appendingPathComponent(chapter.folder), keepingTimes: false)
    }
    let copy = try Workbook(root: workspace)
    var grader = Grader(workbook: copy, sources: .exercises)
    configure(&grader)
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
      let same = try Subprocess(executable: "diff", arguments: ["-rq", source.path, target.path]).run()
      guard same.termination != .exited(0) else { continue }
      try? FileManager.default.removeItem(at: target)
      try copy(source, to: target)
    }
  }

  private func copy(_ source: URL, to destination: URL, keepingTimes: Bool = true) throws {
    let flags = keepingTimes ? "-Rp" : "-R"
    let outcome = try Subprocess(executable: "cp", arguments: [flags, source.path, destination.path]).run()
    guard outcome.termination == .exited(0) else {
      throw GraderError.missingFolder("\(source.path) (copying it failed: \(outcome.output))")
    }
  }
}
