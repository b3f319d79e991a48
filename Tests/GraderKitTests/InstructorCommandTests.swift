import Foundation
import Testing
import WorkbookTestSupport

@testable import GraderKit

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The instructors' commands on a class's hand-ins: `--submissions` with `--csv`, `--submission`
/// with `--gradescope` and `--junit`, and `compare`.
///
/// Each runs in this process through `CommandRunner`, as `./grader` would, on the cached
/// two-chapter fixture workbook (`FixtureWorkbook.course()`): chapter 01 is right in every
/// hand-in, chapter 02 is whatever the student made of it.
@Suite("Grader · instructors' commands")
struct InstructorCommandTests {
  @Test(
    "a batch of hand-ins writes a CSV headed id, total, points and status a chapter, seed and note, a row a student by id"
  )
  func batchRows() async throws {
    let batch = try await BatchRun.shared()
    let lines = batch.csv.split(separator: "\n").map(String.init)
    #expect(lines.first == "id,total,01 points,02 points,01 status,02 status,seed,note,sandbox")
    let students = Gradebook.ids(inCSV: batch.csv)
    #expect(students == HandIn.allCases.map(\.rawValue), "\(batch.csv)")
  }

  @Test("each hand-in's row has the points and status of what it holds", arguments: HandIn.allCases)
  func row(of handIn: HandIn) async throws {
    let batch = try await BatchRun.shared()
    let cells = try #require(batch.row(of: handIn), "\(batch.csv)")
    #expect(Array(cells.prefix(6)) == handIn.expectedCells, "\(batch.csv)")
    #expect(UInt64(cells[6]) != nil, "the seed that replays the student's run")
    #expect(cells.last == Sandbox.strongest().rawValue, "the sandbox its suites ran in: \(batch.csv)")
    if let note = handIn.expectedNote {
      #expect(cells[7].contains(note), "\(batch.csv)")
    } else {
      #expect(cells[7].isEmpty, "\(batch.csv)")
    }
  }

  @Test("a hand-in whose Tests/ and Package.swift were edited to pass is graded on the pristine tests")
  func editedTestsChangeNothing() async throws {
    let batch = try await BatchRun.shared()
    // Its own tests would pass both of chapter 02's tests, and its manifest makes 02 worth 100.
    let edited = try #require(batch.row(of: .testsEdited))
    let skeleton = try #require(batch.row(of: .skeleton))
    #expect(edited[1...5] == skeleton[1...5], "\(batch.csv)")
    #expect(edited[1] == "15", "\(batch.csv)")
  }

  @Test("a link error in one chapter costs that chapter, named with the linker's words, and no other student")
  func linkError() async throws {
    let batch = try await BatchRun.shared()
    let results = try #require(batch.gradescope[HandIn.linkError.rawValue])
    #expect(results.contains("does not compile") && results.contains("main"), "\(results)")
    #expect(batch.row(of: .solved)?[1] == "20", "\(batch.csv)")
  }

  @Test("with --submissions, --gradescope and --junit are folders with a file a student, named by id")
  func perStudentExports() async throws {
    let batch = try await BatchRun.shared()
    #expect(batch.gradescope.keys.sorted() == HandIn.allCases.map(\.rawValue))
    #expect(batch.junit.keys.sorted() == HandIn.allCases.map(\.rawValue))
    for (id, text) in batch.gradescope {
      let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
      #expect(object?["score"] is Double, "\(id)")
    }
    for (id, text) in batch.junit {
      let document = try XMLDocument(data: Data(text.utf8))
      #expect(try document.nodes(forXPath: "/testsuites/testsuite").count == 2, "\(id)")
    }
    let solved = try #require(batch.junit[HandIn.solved.rawValue])
    #expect(solved.contains(#"failures="0" errors="0""#), "\(solved)")
  }

  @Test(
    "--json writes a line a student, in id order, with the raw id and the CSV's total, points, statuses and seed, and the isolation"
  )
  func jsonLines() async throws {
    let batch = try await BatchRun.shared()
    let lines = batch.jsonLines.split(separator: "\n")
    #expect(
      Gradebook.ids(inJSONLines: batch.jsonLines) == HandIn.allCases.map(\.rawValue), "\(batch.jsonLines)")
    for line in lines {
      let entry = try JSONDecoder().decode(Gradebook.JSONLine.self, from: Data(line.utf8))
      let cells = try #require(Gradebook.records(batch.csv).first { $0.first == entry.id })
      #expect(Gradebook.number(entry.total) == cells[1], "\(line)")
      #expect(entry.chapters.keys.sorted() == ["01", "02"] && entry.maxTotal == 20)
      #expect(entry.chapters.values.allSatisfy { $0.maxPoints == 10 })
      #expect(entry.chapters["01"].map { Gradebook.number($0.points) } == cells[2], "\(line)")
      #expect(
        [entry.chapters["01"]?.status, entry.chapters["02"]?.status] == [cells[4], cells[5]], "\(line)")
      #expect(String(entry.seed) == cells[6] && (entry.note ?? "") == cells[7], "\(line)")
      #expect(Isolation(rawValue: entry.isolation) != nil, "\(line)")
      // Every key, a null note included: an import script reads one shape.
      let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      #expect(
        object.keys.sorted() == ["chapters", "id", "isolation", "maxTotal", "note", "seed", "total"],
        "\(line)")
    }
  }

  @Test("the batch prints the CSV it writes, and exits 1 because not every hand-in passed")
  func batchOutput() async throws {
    let batch = try await BatchRun.shared()
    #expect(batch.printed == batch.csv)
    #expect(batch.code == 1)
  }

  @Test("--resume keeps the CSV's rows and the JSON lines, and grades only the students they lack")
  func resume() async throws {
    let (csv, json) = try await onOwnThread {
      let workbook = try FixtureWorkbook.course()
      defer { workbook.release() }
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID())")
      defer { try? FileManager.default.removeItem(at: folder) }
      for handIn in [HandIn.solved, .skeleton] {
        try handIn.write(into: folder.appendingPathComponent("hand-ins/\(handIn.rawValue)"))
      }
      // A row the grader would never write, so that a regrade of its student would show.
      let csvFile = folder.appendingPathComponent("grades.csv")
      try """
      id,total,01 points,02 points,01 status,02 status,seed,note
      a-solved,3,1,2,failed,failed,42,graded before the interruption

      """.write(to: csvFile, atomically: true, encoding: .utf8)
      // The same student's line, and a line cut short by a crash after it.
      let jsonFile = folder.appendingPathComponent("grades.jsonl")
      try """
      {"chapters":{},"id":"a-solved","isolation":"none","maxTotal":20,"note":"before","seed":42,"total":3}
      {"chapters":{},"id":"b-ske
      """.write(to: jsonFile, atomically: true, encoding: .utf8)
      _ = try runCommand(
        [
          "--submissions", folder.appendingPathComponent("hand-ins").path, "--csv", csvFile.path, "--json",
          jsonFile.path, "--resume", "--timeout", BatchRun.timeout,
        ], in: workbook.root)
      return (
        try String(contentsOf: csvFile, encoding: .utf8), try String(contentsOf: jsonFile, encoding: .utf8)
      )
    }
    let lines = json.split(separator: "\n")
    #expect(lines.count == 2, "the cut line is dropped: \(json)")
    #expect(lines.first?.contains(#""note":"before""#) == true, "\(json)")
    #expect(Gradebook.ids(inJSONLines: json) == ["a-solved", "b-skeleton"], "\(json)")
    let records = Gradebook.records(csv)
    #expect(records.count == 3, "\(csv)")
    #expect(records.dropFirst().first?.first == "a-solved" && records.dropFirst().first?[1] == "3", "\(csv)")
    #expect(records.last.map { Array($0.prefix(6)) } == HandIn.skeleton.expectedCells, "\(csv)")
  }

  @Test("--submission with --gradescope writes Gradescope's results: a score and each test's fields")
  func gradescope() async throws {
    let run = try await ExportRun.shared()
    #expect(run.code == 1, "the skeleton fails a test of chapter 02")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(run.gradescope.utf8)) as? [String: Any])
    let score = try #require(object["score"] as? Double)
    #expect(abs(score - 15) < 0.001, "10 points for chapter 01, half of chapter 02's 10")
    #expect(object["output"] is String)
    #expect(
      ["visible", "hidden", "after_due_date", "after_published"].contains(
        object["stdout_visibility"] as? String))
    let tests = try #require(object["tests"] as? [[String: Any]])
    #expect(tests.count == 4, "two tests a chapter")
    for test in tests {
      #expect(test["name"] is String && test["output"] is String && test["visibility"] is String)
      #expect(test["score"] is Double && test["max_score"] is Double)
      #expect(["passed", "failed"].contains(test["status"] as? String))
    }
    let failed = tests.filter { $0["status"] as? String == "failed" }
    #expect(failed.count == 1)
    let failure = try #require(failed.first)
    #expect((failure["name"] as? String)?.hasSuffix("double(21) is 42") == true)
    #expect(failure["score"] as? Double == 0 && failure["max_score"] as? Double == 5)
    #expect((failure["output"] as? String)?.contains("Tests/FailingTests/FailingTests.swift:") == true)
  }

  @Test(
    "--submission with --junit writes JUnit XML that parses: a testsuite a chapter, a failure for the failing test"
  )
  func junit() async throws {
    let run = try await ExportRun.shared()
    let document = try XMLDocument(data: Data(run.junit.utf8))
    #expect(try document.nodes(forXPath: "/testsuites/testsuite").count == 2)
    #expect(try document.nodes(forXPath: "//testcase").count == 4)
    #expect(try document.nodes(forXPath: "//error").isEmpty)
    let failures = try document.nodes(forXPath: "//testcase[failure]")
    #expect(failures.count == 1)
    let failing = try #require(failures.first as? XMLElement)
    #expect(failing.attribute(forName: "name")?.stringValue == "double(21) is 42")
    #expect(failing.attribute(forName: "classname")?.stringValue == "Failing")
  }

  @Test(
    "a chapter changed within the same second as its last build is graded on its new code, not the last one's"
  )
  func sameSecondChange() async throws {
    let statuses = try await onOwnThread {
      let workbook = try FixtureWorkbook.course()
      defer { workbook.release() }
      var grader = Grader(workbook: try Workbook(root: workbook.root), sources: .exercises)
      grader.deadline = Liveness.deadline
      grader.log = { _ in }
      let chapter = try grader.workbook.chapter(named: "02")
      let file = grader.workbook.folder(of: chapter, in: .exercises).appendingPathComponent("Failing.swift")
      // Two times in one whole second, as when one student's hand-in follows another's quickly.
      let second = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 60).rounded(.down))
      var statuses: [ChapterResult.Status] = []
      for (path, offset) in [
        ("Solutions/02-Failing/Failing.swift", 0.1), ("Exercises/02-Failing/Failing.swift", 0.9),
      ] {
        try FixtureWorkbook.text(of: path).write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes(
          [.modificationDate: second.addingTimeInterval(offset)], ofItemAtPath: file.path)
        statuses += try grader.grade([chapter]).chapters.map(\.status)
      }
      return statuses
    }
    #expect(statuses == [.passed, .failed], "the solution, then the skeleton")
  }

  @Test(
    "compare shows each test's result for the student and the solution, the student's failure messages under each failing test, then the diff of the student's file"
  )
  func compare() async throws {
    let (code, printed) = try await onOwnThread {
      let workbook = try FixtureWorkbook.course()
      defer { workbook.release() }
      let student = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID())")
      defer { try? FileManager.default.removeItem(at: student) }
      try HandIn.write(chapter: "01-Healthy", from: "Exercises", into: student)
      try HandIn.write(
        chapter: "02-Failing", from: "Exercises", into: student, replacing: StudentCode.attempt)
      return try runCommand(
        ["compare", "02", "--submission", student.path, "--timeout", BatchRun.timeout], in: workbook.root)
    }
    #expect(code == 1, "the student's chapter fails a test")
    let lines = printed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.first?.hasPrefix("Chapter 02 · Doubling: student beside solution") == true, "\(printed)")
    #expect(lines.contains("✔ pass    ✔ pass    double(0) is 0"), "\(printed)")
    #expect(lines.contains("✘ fail    ✔ pass    double(21) is 42"), "\(printed)")
    // Under the failing test, the student's failure: where, then the message.
    let failing = try #require(lines.firstIndex(of: "✘ fail    ✔ pass    double(21) is 42"))
    #expect(
      lines[failing + 1] == "                    Tests/FailingTests/FailingTests.swift:16", "\(printed)")
    #expect(lines[failing + 2].hasPrefix("                      Expectation failed"), "\(printed)")
    #expect(
      lines[(failing + 2)...].prefix { $0.hasPrefix("                  ") }.joined().contains("441"),
      "\(printed)")
    #expect(
      lines.contains { $0.hasPrefix("Total") && $0.hasSuffix("1/2 student, 2/2 solution") }, "\(printed)")
    for line in ["--- solution/Failing.swift", "+++ student/Failing.swift", "-  x * 2", "+  x * x"] {
      #expect(lines.contains(line), "\(printed)")
    }
  }
}

extension InstructorCommandTests {
  @Test(
    "compare --trace, on a hand-in graded in its sandbox, copies the student's traces to .grader/traces/02/ and the solution's to reference/ beside them, replacing the last run's, and says where"
  )
  func compareTraces() async throws {
    let (code, printed, folder) = try await onOwnThread {
      let workbook = try FixtureWorkbook.course()
      defer { workbook.release() }
      let student = FileManager.default.temporaryDirectory.appendingPathComponent("traces-\(UUID())")
      defer { try? FileManager.default.removeItem(at: student) }
      try HandIn.write(chapter: "01-Healthy", from: "Exercises", into: student)
      try HandIn.write(
        chapter: "02-Failing", from: "Exercises", into: student, replacing: StudentCode.attempt)
      let folder = workbook.root.appendingPathComponent(".grader/traces/02")
      // A trace of an earlier run, in each folder, that this run must replace.
      for stale in [folder, folder.appendingPathComponent("reference")] {
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try "{}".write(to: stale.appendingPathComponent("stale.json"), atomically: true, encoding: .utf8)
      }
      let (code, printed) = try runCommand(
        ["compare", "02", "--submission", student.path, "--trace", "--timeout", BatchRun.timeout],
        in: workbook.root)
      func contents(_ relative: String) -> [String: String] {
        let here = folder.appendingPathComponent(relative)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: here.path)) ?? []
        return Dictionary(
          uniqueKeysWithValues: names.compactMap { name in
            (try? String(contentsOf: here.appendingPathComponent(name), encoding: .utf8)).map { (name, $0) }
          })
      }
      return (code, printed, (student: contents("."), reference: contents("reference")))
    }
    #expect(code == 1, "the student's chapter fails a test")
    // The student's code squares: its run's trace says so, and the solution's says 42.
    #expect(folder.student.keys.sorted() == ["double-21.json", "double-21.svg"], "\(folder.student.keys)")
    #expect(folder.student["double-21.json"]?.contains("double(21) = 441") == true)
    #expect(folder.student["double-21.svg"]?.contains("double(21) = 441") == true)
    #expect(
      folder.reference.keys.sorted() == ["double-21.json", "double-21.svg"], "\(folder.reference.keys)")
    #expect(folder.reference["double-21.json"]?.contains("double(21) = 42\"") == true)
    #expect(printed.contains("Traces: 1 of your test timelines in .grader/traces/02/"), "\(printed)")
    #expect(
      printed.contains("Traces: 1 of the reference's test timelines in .grader/traces/02/reference/"),
      "\(printed)")
  }
}

// MARK: - Fixtures

/// The hand-ins of the batch, named so that they sort in this order.
enum HandIn: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case solved = "a-solved"
  case skeleton = "b-skeleton"
  /// A whole copy of the workbook, with the skeleton in `Exercises/`, tests edited to pass and a
  /// manifest that makes chapter 02 worth 100 points.
  case testsEdited = "c-tests-edited"
  case doesNotCompile = "d-does-not-compile"
  case hangs = "e-hangs"
  /// Chapter 02 holds a link to a file outside the hand-in: refused, never read.
  case linkOutside = "f-link-outside"
  /// Chapter 02 holds a FIFO named like a Swift file, which would hang the compiler that opened it.
  case fifo = "g-fifo"
  /// Chapter 02 declares an `@main`: a second `main` in the test binary, which only the linker sees.
  case linkError = "h-link-error"
  /// The solved hand-in as a zip, its chapters in a folder of their own, as an LMS download gives it.
  case zipped = "i-zipped"
  /// A zip with an entry that climbs out of the folder it unpacks into: refused whole.
  case zipEscape = "j-zip-escape"

  var testDescription: String { rawValue }

  /// The first cells of its row of the CSV: id, total, points and status of each chapter.
  /// Chapter 01 passes in every hand-in but the refused zip, whatever chapter 02 does.
  var expectedCells: [String] {
    let chapter02 =
      switch self {
      case .solved, .zipped: ("10", "passed")
      case .skeleton, .testsEdited: ("5", "failed")
      case .doesNotCompile, .linkError: ("0", "does not compile")
      case .hangs: ("0", "timed out")
      case .linkOutside, .fifo: ("0", "refused")
      case .zipEscape: ("0", "refused")
      }
    let chapter01 = self == .zipEscape ? ("0", "refused") : ("10", "passed")
    let total = Int(chapter01.0)! + Int(chapter02.0)!
    return [rawValue, String(total), chapter01.0, chapter02.0, chapter01.1, chapter02.1]
  }

  /// What the note of its row says, if it has one.
  var expectedNote: String? {
    self == .zipEscape ? "../escaped.swift" : nil
  }

  /// Writes the hand-in into `folder`: the student's chapter folders, or a whole workbook; a
  /// zip's goes into `folder.zip`.
  func write(into folder: URL) throws {
    switch self {
    case .zipped:
      let staged = folder.appendingPathExtension("staged")
      defer { try? FileManager.default.removeItem(at: staged) }
      try HandIn.solved.write(into: staged.appendingPathComponent("my-work"))
      try Self.zip(["my-work"], in: staged, to: folder.appendingPathExtension("zip"))
      return
    case .zipEscape:
      let staged = folder.appendingPathExtension("staged")
      defer { try? FileManager.default.removeItem(at: staged) }
      try HandIn.solved.write(into: staged.appendingPathComponent("inner"))
      try "let escaped = 1\n".write(
        to: staged.appendingPathComponent("escaped.swift"), atomically: true, encoding: .utf8)
      try Self.zip(
        ["../escaped.swift", "01-Healthy"], in: staged.appendingPathComponent("inner"),
        to: folder.appendingPathExtension("zip"))
      return
    default: break
    }
    try Self.write(chapter: "01-Healthy", from: "Exercises", into: folder)
    switch self {
    case .zipped, .zipEscape: break
    case .linkError:
      try Self.write(chapter: "02-Failing", from: "Solutions", into: folder)
      let file = folder.appendingPathComponent("02-Failing/EntryPoint.swift")
      try "@main struct StrayEntryPoint {\n  static func main() {}\n}\n".write(
        to: file, atomically: true, encoding: .utf8)
    case .solved:
      try Self.write(chapter: "02-Failing", from: "Solutions", into: folder)
    case .skeleton:
      try Self.write(chapter: "02-Failing", from: "Exercises", into: folder)
    case .doesNotCompile:
      try Self.write(
        chapter: "02-Failing", from: "Exercises", into: folder, replacing: StudentCode.doesNotCompile)
    case .hangs:
      try Self.write(chapter: "02-Failing", from: "Exercises", into: folder, replacing: StudentCode.hangs)
    case .linkOutside:
      try Self.write(chapter: "02-Failing", from: "Solutions", into: folder)
      let link = folder.appendingPathComponent("02-Failing/Borrowed.swift")
      try? FileManager.default.removeItem(at: link)
      try FileManager.default.createSymbolicLink(
        at: link,
        withDestinationURL: FixtureWorkbook.fixtures.appendingPathComponent(
          "Solutions/02-Failing/Failing.swift"))
    case .fifo:
      try Self.write(chapter: "02-Failing", from: "Solutions", into: folder)
      let fifo = folder.appendingPathComponent("02-Failing/Wait.swift")
      try? FileManager.default.removeItem(at: fifo)
      #expect(mkfifo(fifo.path, 0o644) == 0)
    case .testsEdited:
      try? FileManager.default.removeItem(at: folder)
      try FixtureWorkbook.mirror(to: folder, chapters: FixtureWorkbook.courseChapters)
      try Self.passingTests.write(
        to: folder.appendingPathComponent("Tests/FailingTests/FailingTests.swift"), atomically: true,
        encoding: .utf8)
      let metadata = folder.appendingPathComponent("Tests/FailingTests/chapter.json")
      try String(contentsOf: metadata, encoding: .utf8)
        .replacingOccurrences(of: #""title""#, with: #""points": 100, "title""#)
        .write(to: metadata, atomically: true, encoding: .utf8)
    }
  }

  /// Zips `entries` of `folder` into `zip`, as the names are written.
  static func zip(_ entries: [String], in folder: URL, to zip: URL) throws {
    let outcome = try Subprocess(
      executable: "sh",
      arguments: ["-c", #"cd "$1" && shift && zip -qr "$@""#, "sh", folder.path, zip.path] + entries
    ).run()
    #expect(outcome.termination == .exited(0), "\(outcome.output)")
  }

  /// Copies a chapter of the fixtures' `Exercises` or `Solutions` into `folder`, its code
  /// (`Module.swift`) replaced by `code` if given.
  static func write(chapter: String, from sources: String, into folder: URL, replacing code: String? = nil)
    throws
  {
    let target = folder.appendingPathComponent(chapter)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try? FileManager.default.removeItem(at: target)
    try FileManager.default.copyItem(
      at: FixtureWorkbook.fixtures.appendingPathComponent("\(sources)/\(chapter)"), to: target)
    if let code {
      try code.write(
        to: target.appendingPathComponent("\(chapter.dropFirst(3)).swift"), atomically: true, encoding: .utf8)
    }
  }

  /// Chapter 02's tests as the student edited them: expectations that cannot fail.
  private static let passingTests = """
    import Failing
    import FaultSupport
    import Testing

    @Suite("Failing chapter")
    struct FailingTests {
      @Test("double(0) is 0")
      func zero() {
        #expect(Bool(true))
      }

      @Test("double(21) is 42")
      func fortyTwo() {
        #expect(Bool(true))
      }
    }

    """
}

/// One batch of the hand-ins, graded by `--submissions DIR --csv FILE --gradescope DIR --junit DIR`:
/// what every batch test reads.
private struct BatchRun: Sendable {
  /// `--timeout`: the hand-in that hangs costs this much; every other suite ends long before it.
  static let timeout = String(Int(Liveness.deadline.timeInterval))

  let code: Int32
  let printed: String
  let csv: String
  /// What `--json` wrote: a line a student.
  let jsonLines: String
  /// Each student's Gradescope results and JUnit XML, by id.
  let gradescope: [String: String]
  let junit: [String: String]

  // The batch builds each hand-in and waits out a hang, on a thread of its own.
  private static let once = Task { try await onOwnThread { try BatchRun() } }

  /// The one batch every test reads; the first test to ask starts it.
  static func shared() async throws -> BatchRun {
    try await once.value
  }

  /// The cells of `handIn`'s row.
  func row(of handIn: HandIn) -> [String]? {
    Gradebook.records(csv).first { $0.first == handIn.rawValue }
  }

  private init() throws {
    let workbook = try FixtureWorkbook.course()
    defer { workbook.release() }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hand-ins-\(UUID())")
    let exports = FileManager.default.temporaryDirectory.appendingPathComponent("exports-\(UUID())")
    defer {
      try? FileManager.default.removeItem(at: folder)
      try? FileManager.default.removeItem(at: exports)
    }
    for handIn in HandIn.allCases {
      try handIn.write(into: folder.appendingPathComponent(handIn.rawValue))
    }
    let csvFile = exports.appendingPathComponent("grades.csv")
    let jsonFile = exports.appendingPathComponent("grades.jsonl")
    (code, printed) = try runCommand(
      [
        "--submissions", folder.path, "--csv", csvFile.path, "--json", jsonFile.path, "--timeout",
        Self.timeout,
        "--gradescope", exports.appendingPathComponent("gradescope").path,
        "--junit", exports.appendingPathComponent("junit").path,
      ], in: workbook.root)
    csv = try String(contentsOf: csvFile, encoding: .utf8)
    jsonLines = try String(contentsOf: jsonFile, encoding: .utf8)
    func files(in name: String, ending suffix: String) throws -> [String: String] {
      let folder = exports.appendingPathComponent(name)
      var files: [String: String] = [:]
      for file in try FileManager.default.contentsOfDirectory(atPath: folder.path)
      where file.hasSuffix(suffix) {
        files[String(file.dropLast(suffix.count))] = try String(
          contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
      }
      return files
    }
    gradescope = try files(in: "gradescope", ending: ".json")
    junit = try files(in: "junit", ending: ".xml")
  }
}

/// One hand-in, the skeleton, graded by `--submission DIR --gradescope FILE --junit FILE`.
private struct ExportRun: Sendable {
  let code: Int32
  let gradescope: String
  let junit: String

  private static let once = Task { try await onOwnThread { try ExportRun() } }

  static func shared() async throws -> ExportRun {
    try await once.value
  }

  private init() throws {
    let workbook = try FixtureWorkbook.course()
    defer { workbook.release() }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exports-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let student = folder.appendingPathComponent(HandIn.skeleton.rawValue)
    try HandIn.skeleton.write(into: student)
    // In folders that do not exist yet, as on Gradescope's first run.
    let results = folder.appendingPathComponent("results/results.json")
    let report = folder.appendingPathComponent("reports/junit.xml")
    (code, _) = try runCommand(
      [
        "--submission", student.path, "--gradescope", results.path, "--junit", report.path,
        "--timeout", BatchRun.timeout,
      ], in: workbook.root)
    gradescope = try String(contentsOf: results, encoding: .utf8)
    junit = try String(contentsOf: report, encoding: .utf8)
  }
}
