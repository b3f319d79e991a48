import Foundation

/// Builds the workbook's tests, leaving out each chapter that does not compile.
///
/// All chapters link into one test binary, so one compile error would block every chapter.
/// The builder reads the compiler's errors, leaves the chapters they belong to out of the
/// build (through `WORKBOOK_CHAPTERS`, which `Package.swift` reads) and builds again, until
/// the rest builds.
struct Builder {
  let workbook: Workbook
  let sources: Sources
  /// The build folder: one for each source set, so switching sets never rebuilds.
  let scratchPath: URL
  let flags: [String]
  /// Chapters never to build, such as a submission's refused ones.
  var skipped: Set<Chapter> = []
  /// Whether the grader's and the fixture server's own suites build too (`./grader check`).
  var includesToolingTests = false
  /// Whether to show SwiftPM's progress on the terminal while the build runs.
  var showsProgress = false
  /// What the build is for, when it is not the grade's own: `with ThreadSanitizer, for the race checks`.
  var purpose: String? = nil
  let log: @Sendable (String) -> Void

  func build() throws -> Build {
    forgetCompiledFileTimes()
    try? FileManager.default.removeItem(at: temporaryFolder)
    try FileManager.default.createDirectory(at: temporaryFolder, withIntermediateDirectories: true)
    var uncompiled: [Chapter: [String]] = [:]
    let present = workbook.chapters.filter { chapter in
      !skipped.contains(chapter)
        && FileManager.default.fileExists(atPath: workbook.folder(of: chapter, in: sources).path)
    }
    if !FileManager.default.fileExists(atPath: scratchPath.appendingPathComponent("debug").path) {
      log(purpose == nil ? Self.firstBuildNote : Self.firstRaceBuildNote)
    }
    while true {
      let excluded = uncompiled.keys.map(\.number).sorted()
      let built = present.filter { uncompiled[$0] == nil }
      log(
        "Building the \(sources.rawValue)\(purpose.map { " " + $0 } ?? "")"
          + (excluded.isEmpty ? "" : " without chapter \(excluded.joined(separator: ", "))") + "…")
      let outcome = try run(built, showingProgress: showsProgress)
      if outcome.termination == .exited(0) {
        let testBinary = TestLauncher.testBinary(in: scratchPath)
        let launcher = try TestLauncher.forTestBinary(
          testBinary, sanitizesThreads: flags.contains("--sanitize=thread"))
        return Build(testBinary: testBinary, launcher: launcher, uncompiled: uncompiled)
      }
      let errors = CompilerErrors(output: outcome.output, workbook: workbook)
      var newlyBroken = errors.byChapter.filter { uncompiled[$0.key] == nil }
      if newlyBroken.isEmpty {
        newlyBroken = try pin(errors.unattributed, output: outcome.output, among: built)
      }
      guard !newlyBroken.isEmpty else {
        throw GraderError.workbookDoesNotBuild(
          errors.unattributed.isEmpty
            ? String(outcome.output.suffix(4_000)) : errors.unattributed.joined(separator: "\n"))
      }
      uncompiled.merge(newlyBroken) { old, _ in old }
    }
  }

  /// One `swift build` of the tests with just `chapters`.
  private func run(_ chapters: [Chapter], showingProgress: Bool = false) throws -> Subprocess.Outcome {
    var process = Subprocess(
      executable: "swift",
      arguments: [
        "build", "--build-tests", "--package-path", workbook.root.path, "--scratch-path", scratchPath.path,
      ]
        + flags + Self.jobsFlags(),
      environment: [
        // The compilers' temporary files stay in the build folder, never in the machine's /tmp,
        // also when Ctrl-C stops them.
        "TMPDIR": temporaryFolder.path,
        "WORKBOOK_SOLUTIONS": sources == .solutions ? "all" : "",
        "WORKBOOK_EXCLUDE": "",
        "WORKBOOK_CHAPTERS": chapters.map(\.number).joined(separator: ","),
        "WORKBOOK_LAYOUT": layoutFingerprint(),
        "WORKBOOK_TOOLING_TESTS": includesToolingTests ? "1" : "",
      ],
      deadline: .seconds(30 * 60)
    )
    let progress = showingProgress ? BuildProgress() : nil
    if let progress {
      process.onOutput = { bytes in progress.consume(bytes) }
    }
    let outcome = try process.run()
    progress?.finish()
    return outcome
  }

  /// The chapters to blame for errors that name no chapter's source, such as a link error from
  /// an `@main` or `@_cdecl("main")` in a chapter's file; empty if the workbook itself is broken.
  ///
  /// First the chapters whose build products the output names; else each chapter left out in
  /// turn, until the rest builds; else, if the workbook builds without any of `chapters`, all of
  /// them, each with the errors, since no one of them is the cause alone.
  private func pin(_ unattributed: [String], output: String, among chapters: [Chapter]) throws -> [Chapter:
    [String]]
  {
    // A compiler error in a file that is no chapter's is the workbook's own: nothing to pin.
    if unattributed.contains(where: { $0.firstMatch(of: /\.swift:\d+/) != nil }) { return [:] }
    let errors = Array(unattributed.prefix(CompilerErrors.shownPerChapter))
    let named = chapters.filter { chapter in
      [chapter.module, chapter.testModule].contains { module in
        output.contains("/\(module).build/") || output.contains("/\(module).swiftmodule")
      }
    }
    if !named.isEmpty {
      let reason = "the build fails at link time with this chapter in it:"
      return Dictionary(uniqueKeysWithValues: named.map { ($0, [reason] + errors) })
    }
    guard chapters.count > 1 else {
      guard let only = chapters.first, try run([]).termination == .exited(0) else { return [:] }
      return [only: ["the build fails with this chapter in it, and builds without it:"] + errors]
    }
    for suspect in chapters {
      log(
        "Building the \(sources.rawValue) without chapter \(suspect.number), to find what breaks the build…")
      if try run(chapters.filter { $0 != suspect }).termination == .exited(0) {
        return [suspect: ["the build fails with this chapter in it, and builds without it:"] + errors]
      }
    }
    guard try run([]).termination == .exited(0) else { return [:] }
    let reason = "the build fails with these chapters in it, and no one of them is the cause alone:"
    return Dictionary(uniqueKeysWithValues: chapters.map { ($0, [reason] + errors) })
  }
}

extension Builder {
  /// `-j N` when `GRADER_BUILD_JOBS` asks for N compilers at most, as a machine with little memory
  /// needs (Gradescope's 768 MB fits one); SwiftPM's default, one a core, otherwise.
  static func jobsFlags(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
    guard let text = environment["GRADER_BUILD_JOBS"], let jobs = Int(text), jobs > 0 else { return [] }
    return ["-j", String(jobs)]
  }

  /// What a student sees before a build in a build folder that does not exist yet.
  static let firstBuildNote =
    "The first build compiles the whole workbook: a few minutes (about 3 on a 2-core machine). Later builds take seconds."

  /// What a student sees before the first build with ThreadSanitizer.
  static let firstRaceBuildNote =
    "The first build for the race checks compiles the chapters about shared state again, with ThreadSanitizer: a few minutes. Later builds take seconds."

  /// Where the build's compilers keep their temporary files.
  fileprivate var temporaryFolder: URL { scratchPath.appendingPathComponent("tmp") }

  /// What `Package.swift` reads from disk, written out for the environment of the build.
  ///
  /// SwiftPM keeps a manifest's result until its text or its environment changes: a chapter's
  /// `chapter.json`, lesson or `Given/` folder that changed since would go unseen (one student's
  /// missing chapter became every later student's). In the environment, each change is seen.
  fileprivate func layoutFingerprint() -> String {
    workbook.chapters.map { chapter in
      let folder = workbook.folder(of: chapter, in: sources)
      let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        .filter { !$0.hasSuffix(".swift") }.sorted()
      let given = workbook.folder(of: chapter, in: .exercises).appendingPathComponent("Given")
      let metadata = workbook.root.appendingPathComponent(
        "Tests/\(chapter.testModule)/\(Chapter.metadataFile)")
      let text = (try? String(contentsOf: metadata, encoding: .utf8)) ?? ""
      return "\(chapter.folder)[\(entries.joined(separator: ","))]"
        + "given=\(FileManager.default.fileExists(atPath: given.path))"
        + text.split(whereSeparator: \.isWhitespace).joined()
    }.joined(separator: ";")
  }

  /// Drops the compiler's record of the file times it saw in each chapter's last build.
  ///
  /// From that record (`*.priors`) the compiler's driver took a chapter whose file was replaced
  /// within the same second as its last build for unchanged, and kept the old code: in a batch of
  /// students, one got the last one's grade. Without it, a chapter that changed is compiled whole,
  /// which costs little, and one that did not is not compiled at all, as before.
  fileprivate func forgetCompiledFileTimes() {
    let products = scratchPath.appendingPathComponent("debug")
    for module in workbook.chapters.flatMap({ [$0.module, $0.testModule] }) {
      let folder = products.appendingPathComponent("\(module).build")
      for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
      where name.hasSuffix(".priors") {
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
      }
    }
  }
}

/// A build of the workbook's tests: the test binary and the chapters left out, with their first errors.
public struct Build: Sendable {
  public var testBinary: URL
  /// How a suite of `testBinary` is started on this platform.
  public var launcher: TestLauncher
  public var uncompiled: [Chapter: [String]]
  /// The ThreadSanitizer build of the chapters with a race check, when the grade runs one.
  public var raceCheck: RaceCheckBuild? = nil
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
    let lines = output.split(separator: "\n").map(String.init)
    for (index, line) in lines.enumerated() where line.contains(": error: ") {
      var text = line.replacingOccurrences(of: root, with: "")
      // An error inside a macro expansion (`#expect`) has no file of its own; the note below
      // it, "expanded code originates here", says where in the source it comes from.
      if !text.hasPrefix("/") && !text.contains(".swift:"), let origin = Self.origin(after: index, in: lines)
      {
        text =
          origin.replacingOccurrences(of: root, with: "") + ": error: "
          + String(text[text.range(of: ": error: ")!.upperBound...])
      }
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

  /// The first `path.swift:line:column` among the lines that follow a diagnostic, up to the next one.
  private static func origin(after index: Int, in lines: [String]) -> String? {
    for line in lines[(index + 1)...] {
      if line.contains(": error: ") || line.contains(": warning: ") { break }
      if let match = line.firstMatch(of: /(\/[^\s:]+\.swift):(\d+):(\d+)/) {
        return "\(match.1):\(match.2):\(match.3)"
      }
    }
    return nil
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
