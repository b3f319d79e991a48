import Foundation
import Testing
import WorkbookCore

@testable import GraderKit

/// `--shard K/N` and `./grader merge`: a class graded on N machines, then joined into one gradebook.
///
/// Pure and fast: the shares are computed from ids, and the parts merged are written here, in
/// the formats `Gradebook` writes, without grading anyone.
@Suite("Grader · shards and merge")
struct ShardTests {
  @Test(
    "every student is in exactly one of N shares, whatever the class size and N, and shares differ by one at most"
  )
  func everyStudentOnce() {
    let seed = UInt64.random(in: 1...UInt64.max)
    var random = SplitMix64(seed: seed)
    for _ in 0..<300 {
      let size = Int.random(in: 0...150, using: &random)
      let count = Int.random(in: 1...max(1, size + 3), using: &random)
      let ids = (0..<size).map { _ in "s\(UInt32.random(in: 0...UInt32.max, using: &random))" }
      let shuffled = ids.shuffled(using: &random)
      let shares = (1...count).map { Shard(index: $0, count: count).select(shuffled) }
      let context = "seed \(seed): \(size) students, \(count) shares"
      #expect(shares.flatMap { $0 }.sorted() == ids.sorted(), "\(context)")
      #expect(Set(shares.flatMap { $0 }).count == Set(ids).count, "\(context)")
      let sizes = shares.map(\.count)
      #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "\(context): \(sizes)")
      // The same shares from another listing order: every machine cuts the class the same way.
      #expect(
        (1...count).map { Shard(index: $0, count: count).select(ids.reversed()) } == shares, "\(context)")
    }
  }

  @Test("merge joins CSV and JSON lines parts into one gradebook in id order, checked against the hand-ins")
  func merge() throws {
    let setup = try MergeSetup(students: ["carol", "=cmd", "alice", "bob", "dave"], shares: 3)
    defer { setup.remove() }
    // A share that had no student wrote an empty JSON lines file: an empty part.
    let empty = setup.folder.appendingPathComponent("part-4.jsonl")
    try "".write(to: empty, atomically: true, encoding: .utf8)
    let (code, printed) = try setup.merge(setup.csvParts + setup.jsonParts + [empty])
    #expect(code == 0, "\(printed)")
    #expect(
      printed
        == "Merged 7 parts: 5 students, every hand-in once, into \(setup.csvOut.path) and \(setup.jsonOut.path).\n"
    )
    let csv = try String(contentsOf: setup.csvOut, encoding: .utf8)
    #expect(csv == setup.gradebook.csv(setup.grades.sorted { $0.student! < $1.student! }), "\(csv)")
    let json = try String(contentsOf: setup.jsonOut, encoding: .utf8)
    #expect(Gradebook.ids(inJSONLines: json) == ["=cmd", "alice", "bob", "carol", "dave"], "\(json)")
  }

  @Test("a missing part is reported with the students it held, exit code 1, and nothing is written")
  func missingPart() throws {
    let setup = try MergeSetup(students: ["alice", "bob", "carol", "dave", "erin", "frank"], shares: 3)
    defer { setup.remove() }
    let (code, printed) = try setup.merge([setup.csvParts[0], setup.csvParts[2]], json: false)
    #expect(code == 1)
    let missing = Shard(index: 2, count: 3).select(setup.students)
    #expect(
      printed.contains(
        "2 of the 6 hand-ins are in no CSV part (a share not graded, or its part not given): "
          + missing.joined(separator: ", ")), "\(printed)")
    #expect(printed.hasSuffix("Nothing written: the parts are not the class.\n"))
    #expect(!FileManager.default.fileExists(atPath: setup.csvOut.path))
  }

  @Test("a student graded in two parts is reported with both parts, exit code 1, and nothing is written")
  func duplicate() throws {
    let setup = try MergeSetup(students: ["alice", "bob", "carol", "dave"], shares: 2)
    defer { setup.remove() }
    // The second share graded again into a part of its own, and bob's line copied into the first.
    try FileManager.default.copyItem(
      at: setup.jsonParts[1], to: setup.folder.appendingPathComponent("again.jsonl"))
    let (code, printed) = try setup.merge(
      setup.jsonParts + [setup.folder.appendingPathComponent("again.jsonl")], csv: false)
    #expect(code == 1)
    for id in Shard(index: 2, count: 2).select(setup.students) {
      #expect(
        printed.contains(
          "\(id) is graded 2 times in the JSON lines parts: \(setup.jsonParts[1].path), "
            + setup.folder.appendingPathComponent("again.jsonl").path), "\(printed)")
    }
    #expect(!FileManager.default.fileExists(atPath: setup.jsonOut.path))
  }

  @Test("parts of other chapters, or a file that is neither kind, are bad usage")
  func badParts() throws {
    let setup = try MergeSetup(students: ["alice", "bob"], shares: 2)
    defer { setup.remove() }
    let other = setup.folder.appendingPathComponent("other.csv")
    try "id,total,07 points,07 status,seed,note\nzoe,1,1,failed,3,\n".write(
      to: other, atomically: true, encoding: .utf8)
    let notes = setup.folder.appendingPathComponent("notes.txt")
    try "grades of the class\n".write(to: notes, atomically: true, encoding: .utf8)
    for (part, words) in [(other, "has other columns"), (notes, "is neither a CSV")] {
      #expect {
        try setup.merge([setup.csvParts[0], part], json: false)
      } throws: { error in
        (error as? GraderError)?.exitCode == 2 && "\(error)".contains(words)
      }
    }
  }
}

/// A class of students with made-up grades, written as the parts N shares would write.
private struct MergeSetup {
  let folder: URL
  let workbook: TemporaryWorkbook
  let students: [String]
  let gradebook: Gradebook
  let grades: [Grade]
  var csvParts: [URL] = []
  var jsonParts: [URL] = []
  var handIns: URL { folder.appendingPathComponent("hand-ins") }
  var csvOut: URL { folder.appendingPathComponent("all.csv") }
  var jsonOut: URL { folder.appendingPathComponent("all.jsonl") }

  init(students: [String], shares: Int) throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID())")
    workbook = try TemporaryWorkbook(chapters: ["01-Threads", "02-CounterLocking"])
    self.students = students
    let chapters = try Workbook(root: workbook.root).chapters
    gradebook = Gradebook(chapters: chapters)
    grades = students.enumerated().map { index, id in
      var grade = Grade(
        sources: .exercises, seed: UInt64(index + 1),
        chapters: chapters.map { chapter in
          ChapterResult(
            id: chapter.number, title: chapter.title, module: chapter.module,
            status: index % 2 == 0 ? .passed : .failed, passed: index % 2 == 0 ? 2 : 1, total: 2,
            message: nil,
            failures: [], tests: [], output: nil, maxScore: 10)
        })
      grade.student = id
      return grade
    }
    for id in students {
      try FileManager.default.createDirectory(
        at: handIns.appendingPathComponent(id), withIntermediateDirectories: true)
    }
    for index in 1...shares {
      let ids = Shard(index: index, count: shares).select(students)
      let share = grades.filter { ids.contains($0.student!) }
      let csv = folder.appendingPathComponent("part-\(index).csv")
      try gradebook.csv(share).write(to: csv, atomically: true, encoding: .utf8)
      let json = folder.appendingPathComponent("part-\(index).jsonl")
      try share.map { try gradebook.jsonLine($0) + "\n" }.joined().write(
        to: json, atomically: true, encoding: .utf8)
      csvParts.append(csv)
      jsonParts.append(json)
    }
  }

  /// `./grader merge PARTS --csv all.csv --json all.jsonl --submissions hand-ins`.
  func merge(_ parts: [URL], csv: Bool = true, json: Bool = true) throws -> (code: Int32, printed: String) {
    try runCommand(
      ["merge"] + parts.map(\.path) + (csv ? ["--csv", csvOut.path] : [])
        + (json ? ["--json", jsonOut.path] : [])
        + ["--submissions", handIns.path], in: workbook.root)
  }

  func remove() {
    try? FileManager.default.removeItem(at: folder)
    try? FileManager.default.removeItem(at: workbook.root)
  }
}
