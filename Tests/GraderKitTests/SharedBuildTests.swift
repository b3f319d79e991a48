import Foundation
import Synchronization
import Testing
import WorkbookTestSupport

@testable import GraderKit

/// A batch's builds shared by its hand-ins (`SharedBuilds`): the same grades as when each hand-in
/// is built on its own, for fewer builds.
@Suite("Grader · builds shared by a batch")
struct SharedBuildTests {
  @Test(
    "a batch on shared builds gives each student the statuses, points and messages of a batch that builds each hand-in alone, and builds each chapter's contents once"
  )
  func sameGradesFewerBuilds() async throws {
    let (shared, alone) = try await onOwnThread {
      let workbook = try FixtureWorkbook.course()
      defer { workbook.release() }
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shared-builds-\(UUID())")
      defer { try? FileManager.default.removeItem(at: folder) }
      let cases: [HandIn] = [.solved, .skeleton, .doesNotCompile, .linkOutside, .linkError, .zipped]
      for handIn in cases {
        try handIn.write(into: folder.appendingPathComponent(handIn.rawValue))
      }
      // The same contents as earlier hand-ins, sorted after them: built once, graded twice.
      try HandIn.skeleton.write(into: folder.appendingPathComponent("k-skeleton-again"))
      try HandIn.solved.write(into: folder.appendingPathComponent("l-solved-again"))
      let course = try Workbook(root: workbook.root)
      return (
        try BatchGrades(course, folder: folder, sharesBuilds: true),
        try BatchGrades(course, folder: folder, sharesBuilds: false)
      )
    }
    #expect(shared.grades.keys.sorted() == alone.grades.keys.sorted())
    #expect(shared.grades.count == 8)
    for (student, grade) in alone.grades {
      let theirs = try #require(shared.grades[student])
      #expect(theirs.chapters.map(\.id) == grade.chapters.map(\.id), "\(student)")
      for (one, other) in zip(theirs.chapters, grade.chapters) {
        #expect(
          one.status == other.status, "\(student) \(one.id): \(one.message ?? "") | \(other.message ?? "")")
        #expect(one.score == other.score && one.passed == other.passed, "\(student) \(one.id)")
        if one.status != .passed && one.status != .failed {
          #expect(one.message == other.message, "\(student) \(one.id)")
        }
      }
    }
    // Chapter 02 holds four contents that compile or fail apart (solved, skeleton, the one that does
    // not compile, the one that does not link); the link-outside hand-in is refused, the zip and the
    // two last hand-ins repeat earlier contents: four builds, where the hand-ins alone make one each.
    #expect(shared.builds == 4, "\(shared.log)")
    #expect(alone.builds == 8, "\(alone.log)")
  }
}

/// One batch's grades by student, and how many builds it started.
private struct BatchGrades: Sendable {
  let grades: [String: Grade]
  let builds: Int
  let log: [String]

  init(_ course: Workbook, folder: URL, sharesBuilds: Bool) throws {
    var batch = Batch(workbook: course)
    batch.sharesBuilds = sharesBuilds
    batch.unpacker = Unpacker.find()
    // The second slot of a batch that builds each hand-in alone would first build a workspace of its own.
    batch.slots = sharesBuilds ? 2 : 1
    let lines = Mutex<[String]>([])
    batch.log = { line in lines.withLock { $0.append(line) } }
    batch.configure = { grader in grader.deadline = Liveness.deadline }
    let collected = Mutex<[String: Grade]>([:])
    try batch.run(try GraderKit.HandIn.all(in: folder)) { grade, _ in
      collected.withLock { $0[grade.student ?? ""] = grade }
    }
    grades = collected.withLock { $0 }
    log = lines.withLock { $0 }
    // A build that leaves a chapter out says so ("… without chapter 02…"): only first attempts count.
    builds = log.filter { $0.hasSuffix(": Building the exercises…") }.count
  }
}
