import Foundation
import Testing

@testable import GraderKit

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite("Grader · exports")
struct ExportTests {
  @Test(
    "Gradescope's results carry a top-level score and a test entry with name, score, max_score, status, output"
  )
  func gradescope() throws {
    let data = Data(try sampleGrade.gradescopeJSON().utf8)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let score = try #require(object["score"] as? Double)
    #expect(abs(score - 15) < 0.001, "10 points for chapter 1, half of chapter 2's 10")
    let tests = try #require(object["tests"] as? [[String: Any]])
    #expect(tests.count == 5, "two tests of each graded chapter, one entry for the chapter that crashed")
    for test in tests {
      #expect(test["name"] is String && test["score"] is Double && test["max_score"] is Double)
      #expect(["passed", "failed"].contains(test["status"] as? String))
      #expect(test["output"] is String)
    }
    let crashed = try #require(tests.last)
    #expect((crashed["output"] as? String)?.contains("SIGSEGV") == true)
  }

  @Test("JUnit XML parses, with a testsuite a chapter and an error for a crash")
  func junit() throws {
    let xml = sampleGrade.junitXML()
    let document = try XMLDocument(data: Data(xml.utf8))
    let suites = try document.nodes(forXPath: "/testsuites/testsuite")
    #expect(suites.count == 3)
    #expect(try document.nodes(forXPath: "//testcase").count == 5)
    #expect(try document.nodes(forXPath: "//failure").count == 1)
    #expect(try document.nodes(forXPath: "//error").count == 1)
    #expect(xml.contains("&lt;"), "markup in messages is escaped")
  }

  @Test("the CSV has an id, the total, points a chapter, status a chapter, the seed, a note and the sandbox")
  func csv() throws {
    let workbook = try Workbook(
      root: TemporaryWorkbook(chapters: ["01-Threads", "02-CounterLocking", "03-RaceConditions"]).root)
    var other = sampleGrade
    other.student = "bob, the \"second\""
    let gradebook = Gradebook(chapters: workbook.chapters)
    let lines = gradebook.csv([sampleGrade, other]).split(separator: "\n")
    #expect(
      lines[0]
        == "id,total,01 points,02 points,03 points,01 status,02 status,03 status,seed,note,sandbox")
    #expect(lines[1] == "alice,15,10,5,0,passed,failed,crashed,7,,none")
    #expect(lines[2].hasPrefix("\"bob, the \"\"second\"\"\",15,"))
  }

  @Test(
    "a JSON line keeps the id as it is, formula or not, with each chapter's points and status and the isolation",
    arguments: ["=cmd|' /C calc'!A0", "+1", "bob, the \"second\"", "plain"])
  func jsonLine(id: String) throws {
    let workbook = try Workbook(
      root: TemporaryWorkbook(chapters: ["01-Threads", "02-CounterLocking", "03-RaceConditions"]).root)
    var grade = sampleGrade
    grade.student = id
    grade.isolation = .namespaces
    let line = try Gradebook(chapters: workbook.chapters).jsonLine(grade, note: nil)
    #expect(!line.contains("\n"))
    let entry = try JSONDecoder().decode(Gradebook.JSONLine.self, from: Data(line.utf8))
    #expect(entry.id == id && entry.total == 15 && entry.maxTotal == 30 && entry.seed == 7)
    #expect(entry.isolation == "namespaces" && entry.note == nil)
    #expect(entry.chapters["02"] == .init(points: 5, maxPoints: 10, status: "failed"))
    #expect(entry.chapters["03"]?.status == "crashed")
    #expect(Gradebook.ids(inJSONLines: line + "\n" + line.prefix(20)) == [id], "a cut line is no student's")
  }

  @Test(
    "a CSV cell a spreadsheet would take for a formula starts with a quote, and reads back as it was",
    arguments: ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\ttab", "\rreturn", "=a,b", "plain"])
  func csvEscaping(id: String) throws {
    let workbook = try Workbook(root: TemporaryWorkbook(chapters: ["01-Threads"]).root)
    var grade = sampleGrade
    grade.student = id
    let gradebook = Gradebook(chapters: workbook.chapters)
    let row = gradebook.row(grade, note: "=cmd|' /C calc'!A0")
    let records = Gradebook.records(gradebook.csv([]) + row + "\n")
    let cells = try #require(records.last)
    #expect(cells.count == 7, "id, total, points, status, seed, note, sandbox: \(row)")
    for cell in [cells[0], cells[5]] {
      #expect(!Gradebook.formulaStarts.contains(cell.first ?? " "), "\(row)")
    }
    #expect(Gradebook.ids(inCSV: gradebook.csv([]) + row + "\n") == [id])
  }

  @Test("JUnit's counts add up: tests are the testcases, failures and errors the ones that did not pass")
  func junitCounts() throws {
    let document = try XMLDocument(data: Data(gradeWithTimeout.junitXML().utf8))
    let root = try #require(document.rootElement())
    func count(_ name: String, of element: XMLElement) -> Int? {
      element.attribute(forName: name)?.stringValue.flatMap { Int($0) }
    }
    var sums = (tests: 0, failures: 0, errors: 0)
    for case let suite as XMLElement in try document.nodes(forXPath: "/testsuites/testsuite") {
      let cases = try suite.nodes(forXPath: "testcase")
      let failures = try suite.nodes(forXPath: "testcase/failure").count
      let errors = try suite.nodes(forXPath: "testcase/error").count
      #expect(count("tests", of: suite) == cases.count)
      #expect(count("failures", of: suite) == failures)
      #expect(count("errors", of: suite) == errors)
      #expect(suite.attribute(forName: "time") != nil)
      sums = (sums.tests + cases.count, sums.failures + failures, sums.errors + errors)
    }
    #expect(count("tests", of: root) == sums.tests)
    #expect(count("failures", of: root) == sums.failures)
    #expect(count("errors", of: root) == sums.errors)
  }

  @Test(
    "a JUnit testcase carries its file, line and time; a test its crash cut short is an error, not a failure")
  func junitTestcases() throws {
    let document = try XMLDocument(data: Data(gradeWithTimeout.junitXML().utf8))
    let failing = try #require(try document.nodes(forXPath: "//testcase[@name='d']").first as? XMLElement)
    #expect(failing.attribute(forName: "file")?.stringValue == "Tests/B.swift")
    #expect(failing.attribute(forName: "line")?.stringValue == "3")
    #expect(failing.attribute(forName: "time")?.stringValue == "0.250")
    let cutShort = try #require(try document.nodes(forXPath: "//testcase[@name='f']").first as? XMLElement)
    let error = try #require(try cutShort.nodes(forXPath: "error").first as? XMLElement)
    #expect(error.attribute(forName: "type")?.stringValue == "timed out")
    #expect(error.stringValue?.contains("no result after 120 s") == true)
    #expect(try cutShort.nodes(forXPath: "failure").isEmpty)
  }
}

// MARK: - Fixtures

private let sampleGrade: Grade = {
  func outcome(_ name: String, _ passed: Bool) -> ChapterResult.TestOutcome {
    .init(name: name, passed: passed)
  }
  var grade = Grade(
    sources: .exercises, seed: 7,
    chapters: [
      ChapterResult(
        id: "01", title: "Threads", module: "Threads", status: .passed, passed: 2, total: 2, message: nil,
        failures: [], tests: [outcome("a", true), outcome("b", true)], output: nil, maxScore: 10),
      ChapterResult(
        id: "02", title: "Counter locking", module: "CounterLocking", status: .failed, passed: 1, total: 2,
        message: nil,
        failures: [
          .init(test: "d", message: "Expectation failed: x < 3 <oops>", file: "Tests/B.swift", line: 4)
        ],
        tests: [
          outcome("c", true),
          .init(name: "d", passed: false, file: "Tests/B.swift", line: 3, seconds: 0.25),
        ], output: nil, maxScore: 10),
      ChapterResult(
        id: "03", title: "Race conditions", module: "RaceConditions", status: .crashed, passed: 0, total: 0,
        message: "crashed with SIGSEGV (signal 11)", failures: [], tests: [], output: "\u{1}binary",
        maxScore: 10),
    ])
  grade.student = "alice"
  return grade
}()

/// The sample grade and a chapter that timed out after one of its two tests had passed.
private let gradeWithTimeout: Grade = {
  var grade = sampleGrade
  grade.chapters.append(
    ChapterResult(
      id: "04", title: "Thread-local IDs", module: "ThreadLocalIDs", status: .timedOut, passed: 1, total: 2,
      message: "no result after 120 s while running \"f\": a deadlock or an endless loop?", failures: [],
      tests: [.init(name: "e", passed: true), .init(name: "f", passed: false)], output: nil, maxScore: 10))
  return grade
}()
