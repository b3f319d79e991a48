// swift-tools-version: 6.0
// A scratch workbook of broken chapters, for the grader's fault-injection suite
// (Tests/GraderKitTests/FaultInjectionTests.swift): the suite copies this folder and grades it.
// Chapters 01 and 02 also have solutions, and 02 a lesson and hints: the suites of the students'
// and instructors' commands copy a workbook of just those two (FixtureWorkbook.swift).
//
// It keeps the four things the grader expects of the real Package.swift, and nothing else:
// the package is named ConcurrencyWorkbook, so its test binary is
// ConcurrencyWorkbookPackageTests.xctest; the chapters are the folders Tests/ModuleTests that
// hold a chapter.json; WORKBOOK_SOLUTIONS picks Solutions/ over Exercises/, WORKBOOK_CHAPTERS
// names the chapters to build and WORKBOOK_EXCLUDE leaves chapters out; and each chapter
// NN-Module builds the module Module from its folder, and ModuleTests from Tests/ModuleTests.
// A manifest cannot include another file, so this repeats the real one's chapter logic.
import Foundation
import PackageDescription

/// A chapter, as its `Tests/ModuleTests/chapter.json` describes it: the real manifest's format.
struct Chapter: Decodable {
  var number: Int
  var module = ""

  private enum CodingKeys: String, CodingKey { case number }

  var paddedNumber: String { number < 10 ? "0\(number)" : "\(number)" }
  var folder: String { "\(paddedNumber)-\(module)" }
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let environment = ProcessInfo.processInfo.environment

/// Two chapters that behave, then one fault a chapter: every `Tests/*Tests/chapter.json`.
let chapters: [Chapter] =
  ((try? FileManager.default.contentsOfDirectory(atPath: packageRoot + "/Tests")) ?? [])
  .filter { $0.hasSuffix("Tests") }
  .compactMap { testFolder in
    let url = URL(fileURLWithPath: "\(packageRoot)/Tests/\(testFolder)/chapter.json")
    guard let data = try? Data(contentsOf: url),
      var chapter = try? JSONDecoder().decode(Chapter.self, from: data)
    else { return nil }
    chapter.module = String(testFolder.dropLast("Tests".count))
    return chapter
  }
  .sorted { $0.number < $1.number }

func chapterNumbers(_ variable: String) -> Set<String>? {
  environment[variable].map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
}
let solutionChapters = chapterNumbers("WORKBOOK_SOLUTIONS") ?? []
let excludedChapters = chapterNumbers("WORKBOOK_EXCLUDE") ?? []
let namedChapters = chapterNumbers("WORKBOOK_CHAPTERS")

func sourceFolder(of chapter: Chapter) -> String {
  let useSolution = solutionChapters.contains("all") || solutionChapters.contains(chapter.paddedNumber)
  return (useSolution ? "Solutions/" : "Exercises/") + chapter.folder
}

func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: "\(packageRoot)/\(path)") }

let includedChapters = chapters.filter { chapter in
  guard !excludedChapters.contains(chapter.paddedNumber) else { return false }
  return namedChapters?.contains(chapter.paddedNumber) ?? exists(sourceFolder(of: chapter))
}

let chapterTargets: [Target] = includedChapters.flatMap { chapter -> [Target] in
  [
    .target(
      name: chapter.module, path: sourceFolder(of: chapter),
      // The lesson and hints sit beside the exercise code, as in the real workbook.
      exclude: ["README.md", "hints.md"].filter { exists("\(sourceFolder(of: chapter))/\($0)") }
    ),
    .testTarget(
      name: chapter.module + "Tests", dependencies: [.target(name: chapter.module), "FaultSupport"],
      exclude: ["chapter.json"]),
  ]
}

let package = Package(
  name: "ConcurrencyWorkbook",
  platforms: [.macOS(.v15)],
  targets: [.target(name: "FaultSupport")] + chapterTargets,
  swiftLanguageModes: [.v6]
)
