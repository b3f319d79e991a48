// swift-tools-version: 6.0
// A scratch workbook of broken chapters, for the grader's fault-injection suite
// (Tests/GraderKitTests/FaultInjectionTests.swift): the suite copies this folder and grades it.
// Chapters 01 and 02 also have solutions, and 02 a lesson and hints: the suites of the students'
// and instructors' commands copy a workbook of just those two (FixtureWorkbook.swift).
//
// It keeps the four things the grader expects of the real Package.swift, and nothing else:
// the package is named ConcurrencyWorkbook, so its test binary is
// ConcurrencyWorkbookPackageTests.xctest; the chapters are listed once, below, one entry a
// chapter in `let chapters: [Chapter]`; WORKBOOK_SOLUTIONS picks Solutions/ over Exercises/ and
// WORKBOOK_EXCLUDE leaves chapters out; and each chapter NN-Module builds the module Module from
// its folder, and ModuleTests from Tests/ModuleTests.
import Foundation
import PackageDescription

/// A chapter: its folder under `Exercises/`, its module, and its tests in `Tests/ModuleTests/`.
struct Chapter {
  let folder: String

  var number: String { String(folder.prefix(2)) }
  var module: String { String(folder.dropFirst(3)) }
}

/// Two chapters that behave, then one fault a chapter.
let chapters: [Chapter] = [
  Chapter(folder: "01-Healthy"),
  Chapter(folder: "02-Failing"),
  Chapter(folder: "03-BrokenCode"),
  Chapter(folder: "04-BrokenSuite"),
  Chapter(folder: "05-FatalError"),
  Chapter(folder: "06-ForceUnwrap"),
  Chapter(folder: "07-OutOfBounds"),
  Chapter(folder: "08-Segfault"),
  Chapter(folder: "09-LockOrder"),
  Chapter(folder: "10-Relock"),
  Chapter(folder: "11-BusyLoop"),
  Chapter(folder: "12-EndlessSleep"),
  Chapter(folder: "13-Flood"),
  Chapter(folder: "14-Leftovers"),
  Chapter(folder: "15-ExitZero"),
]

let environment = ProcessInfo.processInfo.environment
func chapterNumbers(_ variable: String) -> Set<String> {
  Set((environment[variable] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
}
let solutionChapters = chapterNumbers("WORKBOOK_SOLUTIONS")
let excludedChapters = chapterNumbers("WORKBOOK_EXCLUDE")
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

func sourceFolder(of chapter: Chapter) -> String {
  let useSolution = solutionChapters.contains("all") || solutionChapters.contains(chapter.number)
  return (useSolution ? "Solutions/" : "Exercises/") + chapter.folder
}

let includedChapters = chapters.filter { chapter in
  !excludedChapters.contains(chapter.number)
    && FileManager.default.fileExists(atPath: packageRoot + "/" + sourceFolder(of: chapter))
    && FileManager.default.fileExists(atPath: packageRoot + "/Tests/" + chapter.module + "Tests")
}

let chapterTargets: [Target] = includedChapters.flatMap { chapter -> [Target] in
  [
    .target(
      name: chapter.module, path: sourceFolder(of: chapter),
      // The lesson and hints sit beside the exercise code, as in the real workbook.
      exclude: ["README.md", "hints.md"].filter {
        FileManager.default.fileExists(atPath: "\(packageRoot)/\(sourceFolder(of: chapter))/\($0)")
      }
    ),
    .testTarget(
      name: chapter.module + "Tests", dependencies: [.target(name: chapter.module), "FaultSupport"]),
  ]
}

let package = Package(
  name: "ConcurrencyWorkbook",
  platforms: [.macOS(.v15)],
  targets: [.target(name: "FaultSupport")] + chapterTargets,
  swiftLanguageModes: [.v6]
)
