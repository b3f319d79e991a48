import Foundation

/// What stops the grader before it can grade, each with what to do about it.
///
/// Each case is one meaning, so that the exit code tells a script what went wrong: 2 for a
/// command line to fix, 3 for a workbook or environment to repair.
public enum GraderError: Error, CustomStringConvertible, Equatable {
  /// The command line asks for something the grader does not do (exit code 2).
  case usage(String)
  /// The command line names a chapter the workbook does not have (exit code 2).
  case unknownChapter(String, known: [Chapter])
  /// The grader runs outside a workbook (exit code 3).
  case notAWorkbook(String)
  /// A chapter's `chapter.json` cannot be read: the file and what is wrong with it (exit code 3).
  case badChapterMetadata(String, String)
  /// The workbook's shared code does not compile: the compiler's errors (exit code 3).
  case workbookDoesNotBuild(String)
  /// A submission folder given on the command line does not exist (exit code 3).
  case missingFolder(String)
  /// A file the workbook needs is not there: the file, and how to get it back (exit code 3).
  case missingFile(String, remedy: String)
  /// A file operation or a tool such as `cp` or `git` failed: what it did and what it said (exit code 3).
  case operationFailed(String, output: String)
  /// The command needs the answer key, which a student edition leaves out: the command (exit code 3).
  case instructorEditionOnly(String)

  /// Runs a file operation and reports its failure as `operationFailed`, naming what it did.
  static func whenFailing(_ operation: String, _ body: () throws -> Void) throws {
    do {
      try body()
    } catch {
      throw GraderError.operationFailed(operation, output: error.localizedDescription)
    }
  }

  /// The exit code documented in `grader --help`.
  public var exitCode: Int32 {
    switch self {
    case .usage, .unknownChapter: 2
    case .notAWorkbook, .badChapterMetadata, .workbookDoesNotBuild, .missingFolder, .missingFile,
      .operationFailed, .instructorEditionOnly:
      3
    }
  }

  public var description: String {
    switch self {
    case .usage(let message):
      "\(message)\nRun ./grader --help for the commands and options."
    case .unknownChapter(let name, let known):
      "there is no chapter '\(name)'. Chapters: "
        + known.map { "\($0.number) (\($0.module))" }.joined(separator: ", ")
    case .notAWorkbook(let path):
      "\(path) is not the workbook: no Package.swift, or no Tests/*/chapter.json. Run ./grader from the workbook's folder."
    case .badChapterMetadata(let file, let problem):
      "\(file) cannot be read: \(problem). CONTRIBUTING.md lists its fields."
    case .workbookDoesNotBuild(let errors):
      "the workbook's own code does not build (not one chapter's):\n\(errors)"
    case .missingFolder(let path):
      "\(path) does not exist. Give the folder that holds the student's Exercises/ (or the workbook copy)."
    case .missingFile(let path, let remedy):
      "\(path) does not exist. \(remedy)"
    case .operationFailed(let operation, let output):
      "\(operation) failed"
        + (output.isEmpty ? "." : ": \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
        + "\nCheck that the folders exist and can be written, and that the disk has room; then run it again."
    case .instructorEditionOnly(let command):
      "\(command) needs the instructor edition of the workbook, with its Solutions/ folder; this is "
        + "the student edition (./grader release wrote it), which has no answer key. Run it in the "
        + "instructor's repository."
    }
  }
}
