import Foundation

/// What stops the grader before it can grade, each with what to do about it.
public enum GraderError: Error, CustomStringConvertible, Equatable {
  case notAWorkbook(String)
  case unknownChapter(String, known: [Chapter])
  case usage(String)
  case workbookDoesNotBuild(String)
  case missingFolder(String)
  case badChapterMetadata(String, String)

  /// The exit code documented in `grader --help`.
  public var exitCode: Int32 {
    switch self {
    case .usage, .unknownChapter: 2
    case .notAWorkbook, .workbookDoesNotBuild, .missingFolder, .badChapterMetadata: 3
    }
  }

  public var description: String {
    switch self {
    case .notAWorkbook(let path):
      "\(path) is not the workbook: no Package.swift, or no Tests/*/chapter.json. Run ./grader from the workbook's folder."
    case .unknownChapter(let name, let known):
      "there is no chapter '\(name)'. Chapters: "
        + known.map { "\($0.number) (\($0.module))" }.joined(separator: ", ")
    case .usage(let message):
      "\(message)\nRun ./grader --help for the commands and options."
    case .workbookDoesNotBuild(let errors):
      "the workbook's own code does not build (not one chapter's):\n\(errors)"
    case .badChapterMetadata(let file, let problem):
      "\(file) cannot be read: \(problem). CONTRIBUTING.md lists its fields."
    case .missingFolder(let path):
      "\(path) does not exist. Give the folder that holds the student's Exercises/ (or the workbook copy)."
    }
  }
}
