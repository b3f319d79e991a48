import Foundation
import Testing

@testable import GraderKit

@Suite("Grader · reading the event stream")
struct SuiteRunTests {
  @Test("a finished run tells passing tests from failing ones")
  func finishedRun() {
    let run = SuiteRun(
      jsonLines: stream([
        test("A.A/one()", "one", line: 10), test("A.A/two()", "two", line: 20),
        event("testStarted", "A.A/one()"), event("testStarted", "A.A/two()"),
        issue("A.A/two()", "Expectation failed: x == 1", file: "/w/Tests/ATests/A.swift", line: 22),
        event("testEnded", "A.A/one()"), event("testEnded", "A.A/two()"), event("runEnded", nil),
      ]))
    #expect(run.tests.map(\.displayName) == ["one", "two"])
    #expect(run.runEnded)
    #expect(run.issues(of: run.tests[0]).isEmpty)
    #expect(run.issues(of: run.tests[1]).map(\.line) == [22])
    #expect(run.unfinished.isEmpty)
  }

  @Test("a run cut short by a crash names the test that was running, and skips a torn last line")
  func crashedRun() {
    var data = stream([
      test("A.A/one()", "one", line: 10), test("A.A/two()", "two", line: 20),
      event("testStarted", "A.A/one()"), event("testEnded", "A.A/one()"), event("testStarted", "A.A/two()"),
    ])
    data += Data("\n".utf8) + Data(#"{"kind":"event","payload":{"kin"#.utf8)
    let run = SuiteRun(jsonLines: data)
    #expect(!run.runEnded)
    #expect(run.unfinished.map(\.displayName) == ["two"])
  }

  @Test("an issue of a parameterized test's case belongs to its test function")
  func parameterizedIssue() {
    let run = SuiteRun(
      jsonLines: stream([
        test("A.A/cases(n:)", "cases", line: 5),
        issue("A.A/cases(n:)/A.swift:5:4", "failed for n = 3", file: "/w/A.swift", line: 7),
      ]))
    #expect(run.issues(of: run.tests[0]).count == 1)
  }

  @Test("compiler errors are grouped by the chapter whose exercise or tests they point into")
  func compilerErrors() throws {
    let workbook = try Workbook(root: TemporaryWorkbook(chapters: ["01-Threads", "02-CounterLocking"]).root)
    let root = workbook.root.path
    let output = """
      \(root)/Exercises/01-Threads/Workers.swift:3:5: error: cannot find 'x' in scope
      \(root)/Exercises/01-Threads/Workers.swift:3:5: error: cannot find 'x' in scope
      \(root)/Tests/CounterLockingTests/CounterLockingTests.swift:9:1: error: missing argument
      \(root)/Sources/WorkbookSupport/Pause.swift:1:1: error: broken support
      \(root)/Exercises/01-Threads/Workers.swift:4:5: warning: unused
      macro expansion #expect:2:3: error: call can throw, but it is not marked with 'try'
          |  `- error: call can throw, but it is not marked with 'try'
      `- \(root)/Tests/ThreadsTests/ThreadsTests.swift:37:96: note: expanded code originates here
      """
    let errors = CompilerErrors(output: output, workbook: workbook)
    #expect(
      errors.byChapter[workbook.chapters[0]] == [
        "Exercises/01-Threads/Workers.swift:3:5: error: cannot find 'x' in scope",
        "Tests/ThreadsTests/ThreadsTests.swift:37:96: error: call can throw, but it is not marked with 'try'",
      ])
    #expect(errors.byChapter[workbook.chapters[1]]?.count == 1)
    #expect(errors.unattributed == ["Sources/WorkbookSupport/Pause.swift:1:1: error: broken support"])
  }
}

// MARK: - Fixtures

private func stream(_ records: [String]) -> Data {
  Data(records.joined(separator: "\n").utf8)
}

private func test(_ id: String, _ name: String, line: Int) -> String {
  #"{"kind":"test","payload":{"displayName":"\#(name)","id":"\#(id)","kind":"function","name":"\#(name)","sourceLocation":{"line":\#(line),"column":4,"fileID":"A/A.swift"}},"version":"6.3.0"}"#
}

private func event(_ kind: String, _ testID: String?) -> String {
  let id = testID.map { #","testID":"\#($0)""# } ?? ""
  return
    #"{"kind":"event","payload":{"kind":"\#(kind)","messages":[]\#(id),"instant":{"absolute":1,"since1970":1}},"version":"6.3.0"}"#
}

private func issue(_ testID: String, _ message: String, file: String, line: Int) -> String {
  #"{"kind":"event","payload":{"kind":"issueRecorded","testID":"\#(testID)","messages":[{"symbol":"fail","text":"\#(message)"}],"issue":{"isFailure":true,"isKnown":false,"sourceLocation":{"filePath":"\#(file)","line":\#(line),"column":1}}},"version":"6.3.0"}"#
}
