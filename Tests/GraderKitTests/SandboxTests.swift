import Foundation
import Testing
import WorkbookTestSupport

@testable import GraderKit

/// Hand-ins written to attack the grader, as issue 18 tried them: from a type's initializer,
/// chapter 02's code rewrites the instructor's tests, replaces the grader's program, reads the
/// answer key into a crash message, or kills the grader (`Tests/GraderFixtures/HandIns/Attacks`).
///
/// Each is graded in a batch on the cached course workbook, one student at a time, with a
/// classmate who handed in the skeleton graded after them all. What an instructor cares about is
/// asserted: the classmate's grade, the tests and the grader's program unchanged, no line of the
/// answer key in any export, and a batch that ends as usual. Each attack crashes its chapter with
/// `attack blocked: …` when it gains nothing, which proves it ran.
@Suite("Grader · sandbox", .serialized)
struct SandboxTests {
  @Test(
    "hand-ins that rewrite the tests, replace the grader, read the answer key or kill the grader gain nothing in namespaces",
    .enabled(
      if: Sandbox.namespacesWork,
      Comment(rawValue: "skipped: this machine refuses the namespaces: \(Sandbox.namespacesRefusal ?? "")"))
  )
  func attacksInNamespaces() async throws {
    try await onOwnThread { try AttackRun(isolation: .namespaces) }.check()
  }

  @Test(
    "the same hand-ins gain nothing run as nobody, the fallback of a root grader without namespaces",
    .enabled(
      if: Sandbox.unprivilegedUser != nil,
      "skipped: the grader is not root here, so it cannot run suites as another user")
  )
  func attacksAsNobody() async throws {
    try await onOwnThread { try AttackRun(isolation: .uid) }.check()
  }

  @Test(
    "outside a sandbox, --resume grades a student whose grading started and never ended crashed, not again")
  func killedGradingIsNotRetried() async throws {
    let csv = try await onOwnThread {
      let workbook = try FixtureWorkbook.course()
      defer { workbook.release() }
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("killed-\(UUID())")
      defer { try? FileManager.default.removeItem(at: folder) }
      for handIn in [HandIn.solved, .skeleton] {
        try handIn.write(into: folder.appendingPathComponent("hand-ins/\(handIn.rawValue)"))
      }
      let csvFile = folder.appendingPathComponent("grades.csv")
      try "id,total,01 points,02 points,01 status,02 status,seed,note,sandbox\n".write(
        to: csvFile, atomically: true, encoding: .utf8)
      // The grader died while grading a-solved: its start is written, its row is not.
      try "started\t\(HandIn.solved.rawValue)\t2026-01-01T00:00:00Z\n".write(
        toFile: StartedLog.path(besides: csvFile.path), atomically: true, encoding: .utf8)
      _ = try runCommand(
        [
          "--submissions", folder.appendingPathComponent("hand-ins").path, "--csv", csvFile.path, "--resume",
          "--timeout", String(Int(Liveness.deadline.timeInterval)),
        ], in: workbook.root)
      return try String(contentsOf: csvFile, encoding: .utf8)
    }
    let records = Gradebook.records(csv)
    let killed = try #require(records.first { $0.first == HandIn.solved.rawValue }, "\(csv)")
    #expect(Array(killed[1...5]) == ["0", "0", "0", "crashed", "crashed"], "\(csv)")
    #expect(killed[7].contains("the grading was killed"), "\(csv)")
    let classmate = try #require(records.first { $0.first == HandIn.skeleton.rawValue }, "\(csv)")
    #expect(Array(classmate.prefix(6)) == HandIn.skeleton.expectedCells, "\(csv)")
  }

  @Test(
    "the folder a suite may write is writable to whoever it runs as, also after a run as nobody left it nobody's",
    .enabled(
      if: Sandbox.namespacesWork && Sandbox.unprivilegedUser != nil,
      "skipped: this needs the namespaces and a root grader, which can run suites as nobody")
  )
  func writableFolderFollowsTheUser() throws {
    let root = try FixtureWorkbook.temporaryCopy(chapters: FixtureWorkbook.courseChapters)
    defer { try? FileManager.default.removeItem(at: root) }
    let build = root.appendingPathComponent(".build")
    let events = build.appendingPathComponent("grader-events")
    try FileManager.default.createDirectory(at: events, withIntermediateDirectories: true)
    // As nobody first, then as root mapped to itself, as a grade after a `uid` audit closed the build.
    for asNobody in [true, false] {
      let plan = Sandbox.Plan(
        workbook: root, buildFolder: build, writable: [events], runsAsUnprivilegedUser: asNobody)
      let sandbox = try #require(try Sandbox.make(.namespaces, plan: plan))
      defer { sandbox.cleanUp() }
      let file = events.appendingPathComponent(asNobody ? "as-nobody" : "as-root")
      let outcome = try Subprocess(
        executable: "/bin/sh", arguments: ["-c", "echo written > '\(file.path)'"], deadline: .seconds(20),
        sandbox: sandbox
      )
      .run()
      #expect(outcome.termination == .exited(0), "\(file.lastPathComponent): \(outcome.output)")
      #expect(FileManager.default.fileExists(atPath: file.path), "\(file.lastPathComponent) was not written")
    }
  }

  @Test("a chapter's test process gets no variable that names a folder of the instructor's")
  func environmentIsScrubbed() {
    let names = Set(SuiteRunner.scrubbedEnvironment.keys)
    #expect(!names.contains("GRADER_ROOT") && !names.contains("PWD") && !names.contains("OLDPWD"))
    #expect(
      names.isSubset(of: ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "SWIFT_BACKTRACE"]))
  }

  @Test("the sandbox's plan hides the answer key, the grader's folders and the checkout around a workspace")
  func planHides() throws {
    let root = try FixtureWorkbook.temporaryCopy(chapters: FixtureWorkbook.courseChapters)
    defer { try? FileManager.default.removeItem(at: root) }
    let real = Sandbox.realPath(root)
    let workspace = root.appendingPathComponent(".grader/submission")
    try FileManager.default.createDirectory(
      at: workspace.appendingPathComponent(".build"), withIntermediateDirectories: true)
    let steps = Sandbox.workbookSteps(
      .init(workbook: workspace, buildFolder: workspace.appendingPathComponent(".build"), hidden: [root]))
    let hidden = steps.filter { $0.kind == .tmpfs }.map(\.target)
    let shown = steps.filter { $0.kind == .bind }.map(\.target)
    #expect(hidden.contains(real), "the checkout around the workspace: \(steps)")
    // The workbook, and the toolchain when the hidden home folder holds it (swiftly's).
    #expect(shown.first == real + "/.grader/submission", "\(steps)")
    let binds = steps.filter { $0.kind == .bind }
    #expect(!binds.contains { !$0.readOnly }, "the workbook is shown read-only")
    // Every folder shown inside a hidden one is mounted after it.
    let hideIndex = try #require(steps.firstIndex { $0.kind == .tmpfs && $0.target == real })
    let showIndex = try #require(steps.firstIndex { $0.kind == .bind })
    #expect(hideIndex < showIndex)
  }
}

/// One batch of the attacking hand-ins and a classmate, graded at `isolation`.
private struct AttackRun: Sendable {
  enum Attack: String, CaseIterable {
    case rewritesTests = "a-rewrites-tests"
    case replacesGrader = "b-replaces-grader"
    case readsSolutions = "c-reads-solutions"
    case killsParent = "d-kills-parent"

    var file: String {
      switch self {
      case .rewritesTests: "RewritesTests.swift"
      case .replacesGrader: "ReplacesGrader.swift"
      case .readsSolutions: "ReadsSolutions.swift"
      case .killsParent: "KillsParent.swift"
      }
    }
  }

  /// The line of the fixture's answer key that no other file holds.
  static let answerKeyLine = "Twice is times two"
  static let classmate = "z-skeleton"

  let isolation: Isolation
  var chapters: [Chapter] = []
  var grades: [Grade] = []
  var testsBefore: [String: Data] = [:]
  var testsAfter: [String: Data] = [:]
  var graderBefore = Data()
  var graderAfter = Data()
  var workspaceItems: [String] = []

  init(isolation: Isolation) throws {
    self.isolation = isolation
    let workbook = try FixtureWorkbook.course()
    defer { workbook.release() }
    let root = workbook.root
    // A stand-in for the grader's program, where `./grader` keeps it.
    let program = root.appendingPathComponent(".build-grader/debug/grader")
    try FileManager.default.createDirectory(
      at: program.deletingLastPathComponent(), withIntermediateDirectories: true)
    try "#!/bin/sh\n# the grader\n".write(to: program, atomically: true, encoding: .utf8)
    let tests = root.appendingPathComponent("Tests")
    testsBefore = try Self.contents(of: tests)
    graderBefore = try Data(contentsOf: program)

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attacks-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let attacks = FixtureWorkbook.fixtures.appendingPathComponent("HandIns/Attacks")
    for attack in Attack.allCases {
      let handIn = folder.appendingPathComponent(attack.rawValue)
      try HandIn.write(chapter: "01-Healthy", from: "Exercises", into: handIn)
      try HandIn.write(
        chapter: "02-Failing", from: "Exercises", into: handIn,
        replacing: try String(contentsOf: attacks.appendingPathComponent(attack.file), encoding: .utf8))
      try FileManager.default.copyItem(
        at: attacks.appendingPathComponent("Roots.swift"),
        to: handIn.appendingPathComponent("02-Failing/Roots.swift"))
    }
    try HandIn.skeleton.write(into: folder.appendingPathComponent(Self.classmate))

    let course = try Workbook(root: root)
    chapters = course.chapters
    var batch = Batch(workbook: course)
    batch.slots = 1
    batch.log = { _ in }
    batch.configure = { [isolation] grader in
      grader.isolation = isolation
      grader.deadline = Liveness.deadline
      grader.log = { _ in }
    }
    let collected = GradeList()
    try batch.run(try GraderKit.HandIn.all(in: folder)) { grade, _ in collected.append(grade) }
    grades = collected.all
    testsAfter = try Self.contents(of: tests)
    graderAfter = try Data(contentsOf: program)
    workspaceItems =
      try FileManager.default.contentsOfDirectory(
        atPath: batch.workspace(0).path)
      + (try FileManager.default.contentsOfDirectory(
        atPath: batch.workspace(0).appendingPathComponent("Tests").path)).map { "Tests/" + $0 }
  }

  func check() {
    #expect(
      grades.count == Attack.allCases.count + 1, "every hand-in has its grade: the batch ended as usual")
    #expect(grades.allSatisfy { $0.isolation == isolation }, "\(grades.map(\.isolation))")
    for attack in Attack.allCases {
      let grade = grades.first { $0.student == attack.rawValue }
      let chapter = grade?.chapters.first { $0.id == "02" }
      #expect(
        chapter?.status == .crashed,
        "\(attack.rawValue): \(chapter?.status.rawValue ?? "no grade"): \(chapter?.message ?? "")")
      #expect(
        chapter?.message?.contains("attack blocked") == true,
        "\(attack.rawValue) ran and gained nothing: \(chapter?.message ?? "")")
    }
    // A root grader's suites run as `nobody`, in the namespaces as in the `uid` fallback: a test
    // process that is root, even without capabilities, owns root's files.
    if let nobody = Sandbox.unprivilegedUser?.0 {
      let rewriter = grades.first { $0.student == Attack.rewritesTests.rawValue }?.chapters.first {
        $0.id == "02"
      }
      #expect(
        rewriter?.message?.contains("as uid \(nobody):") == true,
        "the grader is root, its suites are not: \(rewriter?.message ?? "")")
    }
    let classmate = grades.first { $0.student == Self.classmate }
    #expect(
      classmate?.chapters.map(\.status) == [.passed, .failed], "graded after every attack, as the skeleton")
    #expect(classmate?.score == 15)
    #expect(testsAfter == testsBefore, "the instructor's Tests/ is unchanged")
    #expect(graderAfter == graderBefore, "the grader's program is unchanged")
    let gradebook = Gradebook(chapters: chapters)
    for grade in grades {
      let exports = [
        (try? grade.gradescopeJSON()) ?? "", grade.junitXML(),
        (try? grade.classroomResults().map(\.1).joined()) ?? "",
        (try? grade.json()) ?? "", gradebook.row(grade),
      ]
      #expect(
        !exports.contains { $0.contains(Self.answerKeyLine) },
        "\(grade.student ?? ""): no line of the answer key in any export")
    }
    #expect(
      !workspaceItems.contains("Solutions") && !workspaceItems.contains("Tests/Mutants"), "\(workspaceItems)")
  }

  /// Every file below `folder`, by relative path.
  static func contents(of folder: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for path in try FileManager.default.subpathsOfDirectory(atPath: folder.path) {
      var isFolder: ObjCBool = false
      let url = folder.appendingPathComponent(path)
      if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue {
        files[path] = try Data(contentsOf: url)
      }
    }
    return files
  }
}

/// Grades handed on by a batch's slots.
private final class GradeList: @unchecked Sendable {
  // `@unchecked Sendable`: `grades` is touched only under `lock`.
  private var grades: [Grade] = []
  private let lock = NSLock()

  func append(_ grade: Grade) { lock.withLock { grades.append(grade) } }
  var all: [Grade] { lock.withLock { grades } }
}
