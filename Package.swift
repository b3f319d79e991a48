// swift-tools-version: 6.0
// The workbook's package: one library target a chapter, built from Exercises/ or Solutions/.
import Foundation
import PackageDescription

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let environment = ProcessInfo.processInfo.environment
let files = FileManager.default

/// A chapter of the course, as its `Tests/ModuleTests/chapter.json` describes it.
///
/// The file is the chapter's one description: the grader decodes the same file for the title,
/// points and deadline (CONTRIBUTING.md states its fields and their defaults). The manifest needs
/// only the number and the test dependencies, and ignores the rest.
struct Chapter: Decodable {
  var number: Int
  var testDependencies: [String]?
  /// `Threads`, from the folder `Tests/ThreadsTests` that holds the file.
  var module = ""

  private enum CodingKeys: String, CodingKey { case number, testDependencies }

  /// `01`: the number as the folders and the environment variables write it.
  var paddedNumber: String { number < 10 ? "0\(number)" : "\(number)" }
  /// `01-Threads`: the folder under `Exercises/` and `Solutions/`.
  var folder: String { "\(paddedNumber)-\(module)" }
}

/// The chapters, in course order: every `Tests/*Tests/chapter.json`.
let chapters: [Chapter] = ((try? files.contentsOfDirectory(atPath: packageRoot + "/Tests")) ?? [])
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

/// Which chapters build from `Solutions/`: `WORKBOOK_SOLUTIONS=all`, or numbers like `02,03`.
/// Which chapters are left out of the build: `WORKBOOK_EXCLUDE=02,03`.
/// The module names stay the same, so one test suite grades both.
func chapterNumbers(_ variable: String) -> Set<String>? {
  environment[variable].map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
}
let solutionChapters = chapterNumbers("WORKBOOK_SOLUTIONS") ?? []
let excludedChapters = chapterNumbers("WORKBOOK_EXCLUDE") ?? []
/// The grader names the chapters to build in `WORKBOOK_CHAPTERS` (numbers, `01,02`): SwiftPM keeps
/// this manifest's result until its text or environment changes, so a folder that appeared or
/// disappeared since would go unseen. Without it (`swift test`), a chapter builds if its folder exists.
let namedChapters = chapterNumbers("WORKBOOK_CHAPTERS")

func sourceFolder(of chapter: Chapter) -> String {
  let useSolution = solutionChapters.contains("all") || solutionChapters.contains(chapter.paddedNumber)
  return (useSolution ? "Solutions/" : "Exercises/") + chapter.folder
}

func exists(_ path: String) -> Bool { files.fileExists(atPath: "\(packageRoot)/\(path)") }

let includedChapters = chapters.filter { chapter in
  guard !excludedChapters.contains(chapter.paddedNumber) else { return false }
  return namedChapters?.contains(chapter.paddedNumber) ?? exists(sourceFolder(of: chapter))
}

/// Each chapter builds its module from its folder, and, where the chapter hands the student code
/// of its own (`Exercises/NN-Module/Given/`), a module `ModuleGiven` that both sides import.
func givenFolder(of chapter: Chapter) -> String? {
  let folder = "Exercises/\(chapter.folder)/Given"
  return exists(folder) ? folder : nil
}
func givenDependencies(of chapter: Chapter) -> [Target.Dependency] {
  givenFolder(of: chapter) == nil ? [] : [.target(name: chapter.module + "Given")]
}
let chapterTargets: [Target] = includedChapters.flatMap { chapter -> [Target] in
  let givenTargets: [Target] =
    givenFolder(of: chapter).map {
      [.target(name: chapter.module + "Given", dependencies: ["WorkbookSupport"], path: $0)]
    } ?? []
  let givenDependencies = givenDependencies(of: chapter)
  return givenTargets + [
    .target(
      name: chapter.module,
      dependencies: ["WorkbookSupport"] + givenDependencies,
      path: sourceFolder(of: chapter),
      // The lesson and the hints sit beside the exercise code; the given code (in Exercises/, and
      // linked from Solutions/) builds as a module of its own, never into this one.
      exclude: ["README.md", "hints.md"].filter { exists("\(sourceFolder(of: chapter))/\($0)") }
        + (givenFolder(of: chapter) == nil ? [] : ["Given"])
    ),
    .testTarget(
      name: chapter.module + "Tests",
      dependencies: [.target(name: chapter.module), "WorkbookTestSupport"] + givenDependencies
        + (chapter.testDependencies ?? []).map { .byName(name: $0) },
      exclude: ["chapter.json"]
    ),
  ]
}

/// The course's runnable examples: `swift run demos NN` and `swift run -c release bench`.
///
/// `Demos` is self-contained: it never imports a chapter, so a student's unfinished code can't
/// break it. `bench` is a launcher: it builds `benchmarks`, which measures the reference
/// solutions, in a scratch folder of its own with `WORKBOOK_BENCH=1 WORKBOOK_SOLUTIONS=all`.
/// Every other build leaves `benchmarks` out, so it never compiles against the skeletons.
/// The student edition (`./grader release`) has no `Sources/Bench` or `Sources/Benchmarks`: they
/// measure the solutions, which it leaves out.
let shipsBench = exists("Sources/Bench")
let exampleProducts: [Product] =
  [.executable(name: "demos", targets: ["Demos"])]
  + (shipsBench ? [.executable(name: "bench", targets: ["Bench"])] : [])
/// The chapters whose solutions `benchmarks` measures.
let benchmarkModules = ["CounterLocking", "ThreadPools", "ParallelCPU", "ProcessPool"]
let buildsBenchmarks =
  environment["WORKBOOK_BENCH"] == "1" && exists("Sources/Benchmarks")
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
      dependencies: ["FixtureServer", "SumWorker", "WorkbookCore", "WorkbookSupport"]
        + includedChapters.filter { benchmarkModules.contains($0.module) }.flatMap {
          [.target(name: $0.module)] + givenDependencies(of: $0)
        }
    )
  ] : []
let exampleTargets: [Target] =
  [.executableTarget(name: "Demos", dependencies: ["FixtureServer", "SumWorker", "WorkbookCore"])]
  + (shipsBench ? [.executableTarget(name: "Bench")] : [])

/// The grader's and the fixture server's own suites build only when `WORKBOOK_TOOLING_TESTS=1`
/// (`./grader check` sets it): a student's `swift test` is the course and nothing else. The
/// student edition (`./grader release`) has no such suites at all.
let toolingTestTargets: [Target] =
  environment["WORKBOOK_TOOLING_TESTS"] == "1"
  ? [
    .testTarget(name: "GraderKitTests", dependencies: ["GraderKit", "WorkbookTestSupport"]),
    .testTarget(name: "FixtureServerTests", dependencies: ["FixtureServer", "WorkbookTestSupport"]),
  ].filter { exists("Tests/\($0.name)") } : []

let package = Package(
  name: "ConcurrencyWorkbook",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "grader", targets: ["Grader"]),
    .executable(name: "fixture-server", targets: ["FixtureServerCommand"]),
    .executable(name: "sum-worker", targets: ["SumWorker"]),
  ] + exampleProducts + benchmarkProducts,
  targets: [
    // What the tools, the server and the tests share: a replayable random generator, Duration in seconds.
    .target(name: "WorkbookCore"),
    .target(name: "WorkbookSupport", dependencies: ["WorkbookCore"]),
    .target(name: "WorkbookTestSupport", dependencies: ["WorkbookCore", "WorkbookSupport", "MutexTSanShim"]),
    // Lets ThreadSanitizer see `Mutex` on Linux (`./grader --races`); empty in other builds.
    .target(name: "MutexTSanShim", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
    .target(name: "GraderKit", dependencies: ["GraderProcessControl", "WorkbookCore"]),
    // prctl and prlimit for the grader: its subreaper and its children's memory cap.
    .target(name: "GraderProcessControl"),
    .executableTarget(name: "Grader", dependencies: ["GraderKit"]),
    .target(name: "FixtureServer", dependencies: ["WorkbookCore"]),
    .executableTarget(name: "FixtureServerCommand", dependencies: ["FixtureServer"]),
    .executableTarget(name: "SumWorker"),
  ] + toolingTestTargets + chapterTargets + exampleTargets + benchmarkTargets,
  swiftLanguageModes: [.v6]
)
