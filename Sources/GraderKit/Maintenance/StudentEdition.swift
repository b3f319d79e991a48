import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The student edition of the workbook: what `./grader release DIR` writes, without the answer key.
///
/// It holds the chapters (`Exercises/` with their lessons, hints and given code), their tests, the
/// shared code, the grader, a README for students and the GitHub Classroom workflow; it leaves out
/// `Solutions/`, the git history, build folders, the maintainers' CI, the grader's own tests and
/// the benchmarks of the solutions.
/// `pristine.sha256` records the checksum of every released file under `guardedPaths` (the
/// manifests, `grader`, `Sources/`, `Tests/`, each chapter's `Given/`), in `sha256sum`'s format,
/// and the Classroom workflow carries the checksum of that list: a student who edits, or adds, a
/// file there gets no points until the files are back as released.
///
///     $ ./grader release ../concurrency-workbook-students
///     Wrote the student edition to /home/me/concurrency-workbook-students: 142 files, …
struct StudentEdition {
  let workbook: Workbook

  /// The list of checksums, at the top of the student edition.
  static let checksumFile = "pristine.sha256"
  /// Where the instructor's edition keeps what only the student edition has.
  static let templates = ".github/classroom"
  /// The student README and the Classroom workflow, in `templates`, and where each goes.
  static let readmeTemplate = (source: "student-README.md", target: "README.md")
  static let workflowTemplate = (source: "autograding.yml", target: ".github/workflows/classroom.yml")
  /// The placeholders the templates hold.
  static let chaptersPlaceholder = "{{CHAPTERS}}"
  static let digestPlaceholder = "{{PRISTINE_SHA256}}"
  static let maxScorePlaceholder = "{{MAX_SCORE}}"
  static let guardedPlaceholder = "{{GUARDED_PATHS}}"

  /// Everything that decides how the tests are built and run, as shell patterns from the top of
  /// the workbook: every file below them must be a released one, unchanged. SwiftPM prefers a
  /// `Package@swift-6.swift` to `Package.swift`, reads `Package.resolved` and `.swiftpm/`, and
  /// reuses what a `.build` folder holds; `.swift-version` picks the toolchain.
  static let guardedPaths = [
    "Package*.swift", "Package.resolved", ".swiftpm", ".swift-version", ".build*", "grader", "Sources",
    "Tests", "Exercises/*/Given",
  ]

  /// Top-level entries the student edition leaves out: the answer key, history, local state, the
  /// maintainers' CI and guide, the instructors' Gradescope kit and the measurements of the solutions.
  static let leftOut: Set<String> = [
    "Solutions", ".git", ".grader", ".swiftpm", "Package.resolved", ".ci", ".github", "README.md",
    "CONTRIBUTING.md", "Gradescope", "Benchmarks",
  ]
  /// Test folders students do not get: those that test the workbook's tools rather than a chapter
  /// (Package.swift builds them only where they exist), and the mutants, patches whose context
  /// lines are the solutions' own.
  static let toolingTests: Set<String> = [
    "GraderKitTests", "GraderFixtures", "FixtureServerTests", "Mutants",
  ]
  /// Source folders students do not get: the benchmarks measure the reference solutions, so they
  /// cannot build without `Solutions/` (Package.swift declares their targets only where the
  /// folders exist).
  static let solutionsOnlySources: Set<String> = ["Bench", "Benchmarks"]

  /// What a release wrote.
  struct Written {
    var folder: URL
    var fileCount: Int
    var summary: String {
      """
      Wrote the student edition to \(folder.path): \(fileCount) files, with \(StudentEdition.checksumFile) \
      and .github/workflows/classroom.yml; no Solutions/ and no history.
      Next: cd \(folder.path) && git init -b main && git add -A && git commit -m "Workbook", push it to a
      new repository and mark it a template (this workbook's README.md, "GitHub Classroom, step by step").
      """
    }
  }

  /// Writes the student edition into `destination`, a new or empty folder outside the workbook.
  func write(to destination: URL) throws -> Written {
    let files = FileManager.default
    let target = destination.standardizedFileURL
    try checkDestination(target)
    // Read before anything is written, so a workbook that lacks one leaves no half-written folder.
    let readme = try template(Self.readmeTemplate.source)
    let workflow = try template(Self.workflowTemplate.source)
    try GraderError.whenFailing("creating \(target.path)") {
      try files.createDirectory(at: target, withIntermediateDirectories: true)
    }
    let entries = try files.contentsOfDirectory(atPath: workbook.root.path).sorted()
    for name in entries where !Self.leftOut.contains(name) && !name.hasPrefix(".build") {
      let source = workbook.root.appendingPathComponent(name)
      if name == "Tests" {
        try copy(source, to: target.appendingPathComponent(name), leavingOut: Self.toolingTests)
      } else if name == "Sources" {
        try copy(source, to: target.appendingPathComponent(name), leavingOut: Self.solutionsOnlySources)
      } else {
        try copy(source, to: target.appendingPathComponent(name))
      }
    }
    try writeReadme(readme, into: target)
    let digest = try writeChecksums(of: target)
    try writeWorkflow(workflow, into: target, checksumDigest: digest)
    let count = (files.enumerator(atPath: target.path)?.allObjects.count ?? 0)
    return Written(folder: target, fileCount: count)
  }

  /// Refuses a folder inside the workbook (the release would copy itself), a file, or a folder
  /// that holds anything: a release never mixes with older files.
  private func checkDestination(_ target: URL) throws {
    let root = workbook.root.path
    var existing = target
    while !FileManager.default.fileExists(atPath: existing.path) && existing.pathComponents.count > 1 {
      existing = existing.deletingLastPathComponent()
    }
    let real = SealedCopy.realPath(existing.path) ?? existing.path
    if real == root || real.hasPrefix(root + "/") {
      throw GraderError.usage(
        "release writes the student edition outside the workbook, and \(target.path) is inside it "
          + "(\(root)). Give a folder beside it, such as ../\(workbook.root.lastPathComponent)-students.")
    }
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isFolder) else { return }
    guard isFolder.boolValue else {
      throw GraderError.usage("\(target.path) is a file: release needs a new or empty folder.")
    }
    let contents = (try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []
    if !contents.isEmpty {
      throw GraderError.usage(
        "\(target.path) is not empty (it holds \(contents.sorted().prefix(3).joined(separator: ", "))"
          + "\(contents.count > 3 ? ", …" : "")): release writes only into a new or empty folder.")
    }
  }

  /// Copies the folder `source`, leaving out the entries named in `leftOut`.
  private func copy(_ source: URL, to target: URL, leavingOut leftOut: Set<String>) throws {
    try GraderError.whenFailing("creating \(target.path)") {
      try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: source.path).sorted()
    for name in names where !leftOut.contains(name) {
      try copy(source.appendingPathComponent(name), to: target.appendingPathComponent(name))
    }
  }

  /// Copies a file or a folder with its permissions (the `grader` script stays executable).
  private func copy(_ source: URL, to target: URL) throws {
    try GraderError.whenFailing("copying \(source.path) to \(target.path)") {
      try FileManager.default.copyItem(at: source, to: target)
    }
  }

  /// The template's README with the table of chapters, each linked to its lesson.
  private func writeReadme(_ readme: String, into target: URL) throws {
    let rows = workbook.chapters.map { chapter in
      "| \(chapter.number) | [\(chapter.title)](Exercises/\(chapter.folder)/README.md) | `./grader \(chapter.number)` |"
    }
    let table = (["| # | Chapter | Grade it |", "|---|---------|----------|"] + rows).joined(separator: "\n")
    let text = readme.replacingOccurrences(of: Self.chaptersPlaceholder, with: table)
    try write(text, to: target.appendingPathComponent(Self.readmeTemplate.target))
  }

  /// Writes `pristine.sha256` and returns its own checksum.
  private func writeChecksums(of target: URL) throws -> String {
    var lines: [String] = []
    for path in Self.pristinePaths(in: target) {
      let data = try Data(contentsOf: target.appendingPathComponent(path))
      lines.append("\(SHA256.hex(of: data))  \(path)")
    }
    let text = lines.joined(separator: "\n") + "\n"
    try write(text, to: target.appendingPathComponent(Self.checksumFile))
    return SHA256.hex(of: Data(text.utf8))
  }

  /// The files under `guardedPaths`, relative to `root` and sorted: the ones `pristine.sha256` lists.
  static func pristinePaths(in root: URL) -> [String] {
    let patterns = guardedPaths.map { ($0, $0.split(separator: "/").count) }
    return FileManager.default.regularFiles(below: root) { path in
      let parts = path.split(separator: "/")
      return patterns.contains { pattern, depth in
        parts.count >= depth
          && fnmatch(pattern, parts.prefix(depth).joined(separator: "/"), FNM_PATHNAME) == 0
      }
    }
  }

  /// The Classroom workflow, holding the checksum of `pristine.sha256`, the guarded paths and the
  /// workbook's points.
  private func writeWorkflow(_ workflow: String, into target: URL, checksumDigest: String) throws {
    let text =
      workflow
      .replacingOccurrences(of: Self.digestPlaceholder, with: checksumDigest)
      .replacingOccurrences(of: Self.guardedPlaceholder, with: Self.guardedPaths.joined(separator: " "))
      .replacingOccurrences(
        of: Self.maxScorePlaceholder, with: String(workbook.chapters.map(\.points).reduce(0, +)))
    let file = target.appendingPathComponent(Self.workflowTemplate.target)
    try GraderError.whenFailing("creating \(file.deletingLastPathComponent().path)") {
      try FileManager.default.createDirectory(
        at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    }
    try write(text, to: file)
  }

  private func template(_ name: String) throws -> String {
    let file = workbook.root.appendingPathComponent("\(Self.templates)/\(name)")
    guard let text = try? String(contentsOf: file, encoding: .utf8) else {
      throw GraderError.missingFile(
        file.path,
        remedy: "release builds the student edition from it: take it back from git or a fresh clone.")
    }
    return text
  }

  private func write(_ text: String, to file: URL) throws {
    try GraderError.whenFailing("writing \(file.path)") {
      try text.write(to: file, atomically: true, encoding: .utf8)
    }
  }
}
