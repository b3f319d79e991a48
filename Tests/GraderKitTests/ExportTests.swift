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

  @Test("the CSV has a row a student, points and status a chapter, a total and the maximum")
  func csv() throws {
    let workbook = try Workbook(
      root: TemporaryWorkbook(chapters: ["01-Threads", "02-CounterLocking", "03-RaceConditions"]).root)
    var other = sampleGrade
    other.student = "bob, the \"second\""
    let lines = gradesCSV([sampleGrade, other], chapters: workbook.chapters).split(separator: "\n")
    #expect(lines[0] == "student,01 points,01 status,02 points,02 status,03 points,03 status,total,max")
    #expect(lines[1] == "alice,10,passed,5,failed,0,crashed,15,30")
    #expect(lines[2].hasPrefix("\"bob, the \"\"second\"\"\",10,"))
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
        tests: [outcome("c", true), outcome("d", false)], output: nil, maxScore: 10),
      ChapterResult(
        id: "03", title: "Race conditions", module: "RaceConditions", status: .crashed, passed: 0, total: 0,
        message: "crashed with SIGSEGV (signal 11)", failures: [], tests: [], output: "\u{1}binary",
        maxScore: 10),
    ])
  grade.student = "alice"
  return grade
}()
