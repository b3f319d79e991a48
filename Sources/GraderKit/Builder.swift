import Foundation

/// Builds the workbook's tests, leaving out each chapter that does not compile.
///
/// All chapters link into one test binary, so one compile error would block every chapter.
/// The builder reads the compiler's errors, leaves the chapters they belong to out of the
/// build (through `WORKBOOK_EXCLUDE`, which `Package.swift` reads) and builds again, until
/// the rest builds.
struct Builder {
  let workbook: Workbook
  let sources: Sources
  /// The build folder: one for each source set, so switching sets never rebuilds.
  let scratchPath: URL
  let log: @Sendable (String) -> Void

  /// The result: the test binary and the chapters left out, with their first errors.
  struct Product {
    var testBinary: URL
    var binFolder: URL
    var uncompiled: [Chapter: [String]]
  }

  func build() throws -> Product {
    var uncompiled: [Chapter: [String]] = [:]
    while true {
      let excluded = uncompiled.keys.map(\.number).sorted()
      log(
        "Building the \(sources.rawValue)"
          + (excluded.isEmpty ? "" : " without chapter \(excluded.joined(separator: ", "))") + "…")
      let outcome = try Subprocess(
        executable: "swift",
        arguments: ["build", "--build-tests", "--package-path", workbook.root.path, "--scratch-path", scratchPath.path],
        environment: [
          "WORKBOOK_SOLUTIONS": sources == .solutions ? "all" : "",
          "WORKBOOK_EXCLUDE": excluded.joined(separator: ","),
        ],
        deadline: .seconds(30 * 60)
      ).run()
      if outcome.termination == .exited(0) {
        let bin = scratchPath.appendingPathComponent("debug")
        return Product(
          testBinary: bin.appendingPathComponent("ConcurrencyWorkbookPackageTests.xctest"),
          binFolder: bin, uncompiled: uncompiled)
      }
      let errors = CompilerErrors(output: outcome.output, workbook: workbook)
      let newlyBroken = errors.byChapter.filter { uncompiled[$0.key] == nil }
      guard !newlyBroken.isEmpty else {
        throw GraderError.workbookDoesNotBuild(
          errors.unattributed.isEmpty ? String(outcome.output.suffix(4_000)) : errors.unattributed.joined(separator: "\n"))
      }
      uncompiled.merge(newlyBroken) { old, _ in old }
    }
  }
}

/// The `error:` lines of a build, grouped by the chapter whose file they point into.
struct CompilerErrors {
  private(set) var byChapter: [Chapter: [String]] = [:]
  private(set) var unattributed: [String] = []

  /// The first errors a chapter shows a student; the rest usually follow from them.
  static let shownPerChapter = 8

  init(output: String, workbook: Workbook) {
    var seen = Set<String>()
    let root = workbook.root.path + "/"
    for line in output.split(separator: "\n") {
      guard line.contains(": error: ") else { continue }
      let text = String(line).replacingOccurrences(of: root, with: "")
      guard seen.insert(text).inserted else { continue }
      if let chapter = Self.chapter(of: text, in: workbook) {
        if byChapter[chapter, default: []].count < Self.shownPerChapter {
          byChapter[chapter, default: []].append(text)
        }
      } else {
        unattributed.append(text)
      }
    }
  }

  /// The chapter a diagnostic's path belongs to: its exercise or solution folder, or its tests.
  private static func chapter(of diagnostic: String, in workbook: Workbook) -> Chapter? {
    workbook.chapters.first { chapter in
      diagnostic.hasPrefix("Exercises/\(chapter.folder)/")
        || diagnostic.hasPrefix("Solutions/\(chapter.folder)/")
        || diagnostic.hasPrefix("Tests/\(chapter.testModule)/")
    }
  }
}
