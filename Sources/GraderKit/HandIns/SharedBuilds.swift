import Foundation
import Synchronization

/// A batch's builds, shared by its hand-ins: each chapter's contents are compiled once per batch,
/// and every hand-in whose chapter holds the same contents runs that chapter's suite on that build.
///
/// A chapter's contents are keyed by a digest of its files as its build takes them (the student's
/// `.swift` files and this checkout's `Given/`) and of what else goes into it, the same for the
/// whole batch: the toolchain, the manifest, the chapter's pristine tests and the shared modules
/// (`Sources/`). The batch builds in one workspace, `.grader/submission`, one build at a time: a
/// hand-in's chapters whose digest was built before stay out of it; the others are copied in and
/// built together, and the test binary is kept, under `kept/N/` of the build folder, for every
/// later hand-in with the same contents. A chapter a student has not started is the skeleton, so
/// the class's most common contents compile once. Only the build is shared: each student's suites
/// still run one at a time in a sandboxed process of their own, with the student's own seed.
///
/// A chapter that does not compile costs the contents that break it, never the others of its build
/// (the builder leaves it out and builds the rest, as for one student); its earlier contents go back
/// into the workspace, so the next build does not stumble on it again.
final class SharedBuilds: Sendable {
  let workbook: Workbook
  /// The one workspace every build of the batch is made in.
  let workspace: URL
  /// What every digest of the batch includes besides a chapter's files.
  private let context: String
  private let outcomes = Mutex<[String: Outcome]>([:])
  private let keptCount = Atomic(0)

  /// What became of one chapter's contents.
  enum Outcome: Sendable {
    /// Built into the kept test binary of this build.
    case built(Build)
    /// Left out of the build, with the compiler's or the linker's errors.
    case uncompiled([String])
  }

  /// Makes the batch's workspace ready: this checkout's pristine copy, and every chapter the
  /// skeleton, unless it is already; the test binaries kept by an earlier batch are removed.
  init(workbook: Workbook, workspace: URL) throws {
    self.workbook = workbook
    self.workspace = workspace
    var submissions = SubmissionGrader(workbook: workbook)
    submissions.workspace = workspace
    try submissions.preparePristineCopy()
    let skeletons = try Submission(folder: workbook.root.appendingPathComponent("Exercises"), student: "")
    let exercises = workspace.appendingPathComponent("Exercises")
    try FileManager.default.createDirectory(at: exercises, withIntermediateDirectories: true)
    let staged = workspace.appendingPathComponent(".staged")
    for chapter in workbook.chapters {
      let ours = exercises.appendingPathComponent(chapter.folder)
      guard try submissions.stage(chapter, of: skeletons, to: staged) == .staged else { continue }
      if try submissions.isSame(staged, ours) {
        try FileManager.default.removeItem(at: staged)
      } else {
        try? FileManager.default.removeItem(at: ours)
        try FileManager.default.moveItem(at: staged, to: ours)
      }
    }
    try FileManager.default.createDirectory(
      at: workspace.appendingPathComponent(Self.stagingFolder), withIntermediateDirectories: true)
    context = Self.context(of: workbook)
    for folder in [".build", ".build-races"] {
      try? FileManager.default.removeItem(
        at: workspace.appendingPathComponent(folder).appendingPathComponent(Self.keptFolder))
    }
  }

  /// The folder of the build folder where the kept test binaries are.
  static let keptFolder = "kept"
  /// The workspace's folder of the slots' staged hand-ins. It stays for the whole batch, so the
  /// sandbox's tmpfs over it hides every slot's, whatever they come and go while a suite runs;
  /// a folder of a slot's own at the top would be hidden only if it was there when the suite began.
  static let stagingFolder = ".staging"

  /// The batch-wide part of every digest: the toolchain's version and the manifest, the chapters'
  /// tests and metadata, and the modules a chapter links (`Sources/`).
  private static func context(of workbook: Workbook) -> String {
    let toolchain =
      (try? Subprocess(executable: "swift", arguments: ["--version"], deadline: .seconds(60)).run())?.output
      ?? "unknown toolchain"
    let files =
      [workbook.root.appendingPathComponent("Package.swift")]
      + ["Sources", "Tests"].flatMap { regularFiles(below: workbook.root.appendingPathComponent($0)) }
    return toolchain + SHA256.hex(of: contents(of: files, relativeTo: workbook.root))
  }

  /// The regular files below `folder`, sorted by path, but the answer key's mutants.
  private static func regularFiles(below folder: URL) -> [URL] {
    FileManager.default.regularFiles(below: folder) { !$0.hasPrefix(SubmissionGrader.answerKeyInTests + "/") }
      .map { folder.appendingPathComponent($0) }
  }

  /// Each file's path relative to `root`, its length and its bytes, one after the other.
  private static func contents(of files: [URL], relativeTo root: URL) -> Data {
    var data = Data()
    for file in files {
      let bytes = (try? Data(contentsOf: file)) ?? Data()
      let path =
        file.path.hasPrefix(root.path + "/") ? String(file.path.dropFirst(root.path.count + 1)) : file.path
      data.append(contentsOf: Array("\(path)\n\(bytes.count)\n".utf8))
      data.append(bytes)
    }
    return data
  }

  /// The digest of a chapter whose contents are staged in `folder`.
  func digest(of chapter: Chapter, stagedIn folder: URL) -> String {
    let files = Self.regularFiles(below: folder)
    return SHA256.hex(
      of: Data((context + chapter.folder + "\n").utf8) + Self.contents(of: files, relativeTo: folder))
  }

  /// Grades one submission on the batch's builds, building first what no earlier hand-in had.
  ///
  /// `slot` names the staging and running folders of the calling slot; `buildLock` is held around
  /// each build, as the batch's slots share it.
  func grade(
    _ submission: Submission, slot: Int, chapters: [Chapter]?, buildLock: NSLock,
    configure: @Sendable (inout Grader) -> Void
  ) throws -> Grade {
    var submissions = SubmissionGrader(workbook: workbook)
    submissions.workspace = workspace
    let graded =
      chapters.map { Set($0.map(\.number)) }.map { numbers in
        workbook.chapters.filter { numbers.contains($0.number) }
      } ?? workbook.chapters
    let staging = workspace.appendingPathComponent("\(Self.stagingFolder)/slot-\(slot + 1)")
    try? FileManager.default.removeItem(at: staging)
    defer { try? FileManager.default.removeItem(at: staging) }
    // What this student's chapters are: refused, lacking, or staged with a digest.
    var refused: [Chapter: String] = [:]
    var lacking: [Chapter] = []
    var digests: [Chapter: String] = [:]
    for chapter in graded {
      let staged = staging.appendingPathComponent("Exercises/\(chapter.folder)")
      switch try submissions.stage(chapter, of: submission, to: staged) {
      case .lacking: lacking.append(chapter)
      case .refused(let reason): refused[chapter] = reason
      case .staged:
        // Code that imports a test library is refused before any build, and never enters the workspace.
        if let use = TestLibraryUse.first(in: staged, relativeTo: staging) {
          refused[chapter] = use
        } else {
          digests[chapter] = digest(of: chapter, stagedIn: staged)
        }
      }
    }
    var grader = Grader(workbook: Workbook(root: workspace, chapters: workbook.chapters), sources: .exercises)
    grader.isolation = .namespaces
    configure(&grader)
    let clock = ContinuousClock()
    let building = try buildLock.withLock {
      let start = clock.now
      try build(digests, stagedIn: staging, with: grader)
      return clock.now - start
    }
    // Each chapter runs on the kept build of its contents; the rest are graded without a run.
    let known = outcomes.withLock { known in digests.mapValues { known[$0]! } }
    var runs: [(build: Build, chapters: [Chapter])] = []
    var uncompiled: [Chapter: [String]] = [:]
    for chapter in graded {
      switch known[chapter] {
      case .built(let build)?:
        if let index = runs.firstIndex(where: { $0.build.testBinary == build.testBinary }) {
          runs[index].chapters.append(chapter)
        } else {
          runs.append((build, [chapter]))
        }
      case .uncompiled(let errors)?: uncompiled[chapter] = errors
      case nil: break
      }
    }
    let advice = SubmissionGrader.missingAdvice(
      lacksEvery: lacking.count == workbook.chapters.count, handedIn: submission.exercises)
    for chapter in lacking { refused[chapter] = "The hand-in has no \(chapter.folder) folder. " + advice }
    grader.refused = refused
    grader.hiddenFromSuites += [workbook.root, submission.folder]
    // The suites' own scratch folder (race logs, timelines), one a slot, inside the build folder
    // the sandbox shows, beside the kept binaries.
    grader.scratchPath = grader.scratchPath.appendingPathComponent("runs-\(slot + 1)")
    let start = clock.now
    let notRun = graded.filter { chapter in !runs.contains { $0.chapters.contains(chapter) } }
    let nothing = Build(
      testBinary: workspace, launcher: TestLauncher(executable: workspace.path), uncompiled: uncompiled)
    var results: [String: ChapterResult] = [:]
    var isolation: Isolation?
    for run in runs + (notRun.isEmpty ? [] : [(nothing, notRun)]) {
      let part = grader.run(run.chapters, on: run.build, seed: grader.seed)
      isolation = isolation ?? part.isolation
      for result in part.chapters { results[result.id] = result }
    }
    var grade = Grade(
      sources: .exercises, seed: grader.seed, chapters: graded.compactMap { results[$0.number] })
    grade.isolation = isolation ?? .none
    grade.student = submission.student
    for index in grade.chapters.indices
    where lacking.contains(where: { $0.number == grade.chapters[index].id }) {
      grade.chapters[index].status = .missing
    }
    grader.log(
      "Built in \(String(format: "%.1f s", building.timeInterval)), tested in "
        + "\(String(format: "%.1f s", (clock.now - start).timeInterval)).")
    return grade
  }

  /// Builds the contents among `digests` that no earlier hand-in had, staged in `staging`, and
  /// records what became of each; builds nothing if there are none. Called with the build lock held.
  private func build(_ digests: [Chapter: String], stagedIn staging: URL, with grader: Grader) throws {
    let known = outcomes.withLock { Set($0.keys) }
    var fresh: [Chapter: String] = [:]
    for (chapter, digest) in digests where !known.contains(digest) && !fresh.values.contains(digest) {
      fresh[chapter] = digest
    }
    guard !fresh.isEmpty else { return }
    let exercises = workspace.appendingPathComponent("Exercises")
    let previous = staging.appendingPathComponent("previous")
    try FileManager.default.createDirectory(at: previous, withIntermediateDirectories: true)
    for chapter in fresh.keys {
      let ours = exercises.appendingPathComponent(chapter.folder)
      try FileManager.default.moveItem(at: ours, to: previous.appendingPathComponent(chapter.folder))
      try FileManager.default.moveItem(
        at: staging.appendingPathComponent("Exercises/\(chapter.folder)"), to: ours)
    }
    let build = try grader.build()
    // The test binary is kept where no later build writes, with the products it starts beside it.
    let number = keptCount.add(1, ordering: .relaxed).newValue
    let kept = grader.scratchPath.appendingPathComponent("\(Self.keptFolder)/\(number)")
    try FileManager.default.createDirectory(at: kept, withIntermediateDirectories: true)
    // On macOS the binary is inside the `.xctest` bundle, which is copied whole.
    var bundle = build.testBinary
    while bundle.pathExtension != "xctest" && bundle.pathComponents.count > 1 {
      bundle.deleteLastPathComponent()
    }
    if bundle.pathExtension != "xctest" { bundle = build.testBinary }
    try FileManager.default.copyItem(at: bundle, to: kept.appendingPathComponent(bundle.lastPathComponent))
    let binary = kept.appendingPathComponent(
      bundle.lastPathComponent + String(build.testBinary.path.dropFirst(bundle.path.count)))
    let products = bundle.deletingLastPathComponent()
    for name in (try? FileManager.default.contentsOfDirectory(atPath: products.path)) ?? []
    where name != bundle.lastPathComponent
      && FileManager.default.isExecutableFile(atPath: products.appendingPathComponent(name).path)
    {
      var isFolder: ObjCBool = false
      let product = products.appendingPathComponent(name)
      guard FileManager.default.fileExists(atPath: product.path, isDirectory: &isFolder), !isFolder.boolValue
      else { continue }
      try FileManager.default.createSymbolicLink(
        at: kept.appendingPathComponent(name), withDestinationURL: product.resolvingSymlinksInPath())
    }
    var keptBuild = build
    keptBuild.testBinary = binary
    keptBuild.launcher = try TestLauncher.forTestBinary(binary, sanitizesThreads: grader.detectsRaces)
    keptBuild.uncompiled = [:]
    // A race check builds the workspace as it is when the check runs, which by then may hold
    // another student's chapters: a shared build runs none (`--races` builds with ThreadSanitizer).
    keptBuild.raceCheck = nil
    outcomes.withLock { known in
      for (chapter, digest) in fresh {
        known[digest] = build.uncompiled[chapter].map(Outcome.uncompiled) ?? .built(keptBuild)
      }
    }
    for chapter in fresh.keys {
      let ours = exercises.appendingPathComponent(chapter.folder)
      let before = previous.appendingPathComponent(chapter.folder)
      if build.uncompiled[chapter] != nil {
        try FileManager.default.removeItem(at: ours)
        try FileManager.default.moveItem(at: before, to: ours)
      }
    }
    try? FileManager.default.removeItem(at: previous)
  }
}
