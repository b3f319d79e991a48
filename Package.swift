// swift-tools-version: 6.0
// The workbook's package: one library target a chapter, built from Exercises/ or Solutions/.
import Foundation
import PackageDescription

/// A chapter of the course. Its folder under `Exercises/` and `Solutions/` is `NN-Module`,
/// its tests are `Tests/ModuleTests/`, and the module name is the same for both sources.
struct Chapter {
  let folder: String
  var dependencies: [Target.Dependency] = []
  var testDependencies: [Target.Dependency] = []
  /// Seconds the grader gives the chapter's tests before it stops them; nil is its default (120).
  /// SwiftPM ignores it; `./grader` reads it from this file.
  var deadline: Int? = nil
  /// The chapter's weight in a grade; each of its tests earns an equal share. `./grader` reads it.
  var points: Int = 10

  var number: String { String(folder.prefix(2)) }
  var module: String { String(folder.dropFirst(3)) }
}

/// The chapters, in course order. Add a chapter here and nowhere else.
let chapters: [Chapter] = [
  Chapter(folder: "01-Threads"),
  Chapter(folder: "02-CounterLocking"),
  Chapter(folder: "03-RaceConditions"),
  Chapter(folder: "04-ThreadLocalIDs"),
  Chapter(folder: "05-ConcurrentScraper", testDependencies: ["FixtureServer"]),
  Chapter(folder: "06-ThreadPools", testDependencies: ["FixtureServer"]),
  Chapter(folder: "07-TaskGroups", testDependencies: ["FixtureServer"]),
  Chapter(folder: "08-ParallelCPU"),
  Chapter(folder: "09-ProcessPool", testDependencies: ["SumWorker"]),
  Chapter(folder: "10-Capstone", testDependencies: ["FixtureServer"]),
]

/// Which chapters build from `Solutions/`: `WORKBOOK_SOLUTIONS=all`, or numbers like `02,03`.
/// Which chapters are left out of the build: `WORKBOOK_EXCLUDE=02,03`.
/// The grader sets these; the module names stay the same, so one test suite grades both.
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

/// A chapter whose folder is missing is left out here, so the rest still builds; `./grader check`
/// names the missing folder.
let includedChapters = chapters.filter { chapter in
  !excludedChapters.contains(chapter.number)
    && FileManager.default.fileExists(atPath: packageRoot + "/" + sourceFolder(of: chapter))
    && FileManager.default.fileExists(atPath: packageRoot + "/Tests/" + chapter.module + "Tests")
}

let chapterTargets: [Target] = includedChapters.flatMap { chapter -> [Target] in
  [
    .target(
      name: chapter.module,
      dependencies: ["WorkbookSupport"] + chapter.dependencies,
      path: sourceFolder(of: chapter),
      // The lesson and hints sit beside the exercise code; solutions have neither.
      exclude: ["README.md", "hints.md"].filter {
        FileManager.default.fileExists(atPath: "\(packageRoot)/\(sourceFolder(of: chapter))/\($0)")
      }
    ),
    .testTarget(
      name: chapter.module + "Tests",
      dependencies: [.target(name: chapter.module), "WorkbookTestSupport"] + chapter.testDependencies
    ),
  ]
}

/// The course's runnable examples: `swift run demos NN` and `swift run -c release bench`.
///
/// `Demos` is self-contained: it never imports a chapter, so a student's unfinished code can't
/// break it. `bench` is a launcher: it builds `benchmarks`, which measures the reference
/// solutions, in a scratch folder of its own with `WORKBOOK_BENCH=1 WORKBOOK_SOLUTIONS=all`.
/// Every other build leaves `benchmarks` out, so it never compiles against the skeletons.
let exampleProducts: [Product] = [
  .executable(name: "demos", targets: ["Demos"]),
  .executable(name: "bench", targets: ["Bench"]),
]
/// The chapters whose solutions `benchmarks` measures.
let benchmarkModules = ["CounterLocking", "ThreadPools", "ParallelCPU", "ProcessPool"]
let buildsBenchmarks =
  environment["WORKBOOK_BENCH"] == "1"
  && benchmarkModules.allSatisfy { module in
    includedChapters.contains { $0.module == module && sourceFolder(of: $0).hasPrefix("Solutions/") }
  }
let benchmarkProducts: [Product] =
  buildsBenchmarks ? [.executable(name: "benchmarks", targets: ["Benchmarks"])] : []
let benchmarkTargets: [Target] =
  buildsBenchmarks
  ? [
    .executableTarget(
      name: "Benchmarks",
      dependencies: ["FixtureServer", "SumWorker", "WorkbookSupport"]
        + benchmarkModules.map { .target(name: $0) }
    )
  ] : []
let exampleTargets: [Target] = [
  .executableTarget(name: "Demos", dependencies: ["FixtureServer", "SumWorker"]),
  .executableTarget(name: "Bench"),
]

let package = Package(
  name: "ConcurrencyWorkbook",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "grader", targets: ["Grader"]),
    .executable(name: "fixture-server", targets: ["FixtureServerCommand"]),
    .executable(name: "sum-worker", targets: ["SumWorker"]),
  ] + exampleProducts + benchmarkProducts,
  targets: [
    .target(name: "WorkbookSupport"),
    .target(name: "WorkbookTestSupport", dependencies: ["WorkbookSupport", "MutexTSanShim"]),
    // Lets ThreadSanitizer see `Mutex` on Linux (`./grader --races`); empty in other builds.
    .target(name: "MutexTSanShim", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
    .target(name: "GraderKit"),
    .executableTarget(name: "Grader", dependencies: ["GraderKit"]),
    .testTarget(name: "GraderKitTests", dependencies: ["GraderKit", "WorkbookTestSupport"]),
    .target(name: "FixtureServer"),
    .executableTarget(name: "FixtureServerCommand", dependencies: ["FixtureServer"]),
    .testTarget(name: "FixtureServerTests", dependencies: ["FixtureServer", "WorkbookTestSupport"]),
    .executableTarget(name: "SumWorker"),
  ] + chapterTargets + exampleTargets + benchmarkTargets,
  swiftLanguageModes: [.v6]
)
