import Foundation

extension Grade {
  /// The grade as GitHub Classroom's autograding reporter reads it (`--classroom FILE`).
  ///
  /// classroom-resources/autograding-grading-reporter takes one JSON object a runner, base64
  /// encoded in the environment variable `RUNNER_RESULTS`: `max_score`, a `status` (`pass`,
  /// `fail` or `error`) and one entry a test with its `score`; Classroom records the sum of the
  /// tests' scores out of `max_score`. Each test is worth an equal share of its chapter's points,
  /// as in `gradescopeJSON()`; a chapter that did not compile or run is one entry worth 0.
  public func classroomJSON() throws -> String {
    struct Results: Encodable {
      var version = 1
      var status: String
      var maxScore: Double
      var tests: [TestResult]
      /// How the suites were isolated; the reporter reads only the fields above.
      var sandbox: String

      enum CodingKeys: String, CodingKey {
        case version, status, tests, sandbox
        case maxScore = "max_score"
      }
    }
    struct TestResult: Encodable {
      var name: String
      var status: String
      var score: Double
      var message: String
    }
    var tests: [TestResult] = []
    var broken = false
    for chapter in chapters {
      let prefix = "\(chapter.id) \(chapter.title)"
      if chapter.tests.isEmpty {
        broken = true
        tests.append(
          TestResult(
            name: "\(prefix): \(chapter.status.rawValue)", status: "error", score: 0,
            message: chapter.message ?? ""))
        continue
      }
      if chapter.status != .passed && chapter.status != .failed { broken = true }
      let share = Double(chapter.maxScore) / Double(chapter.tests.count)
      for test in chapter.tests {
        let failures = chapter.failures.filter { $0.test == test.name }
        var message = failures.map { "\($0.file):\($0.line): \($0.message)" }.joined(separator: "\n")
        if !test.passed && failures.isEmpty {
          message = "\(chapter.status.rawValue): \(chapter.message ?? "the test did not finish")"
        }
        tests.append(
          TestResult(
            name: "\(prefix) · \(test.name)", status: test.passed ? "pass" : "fail",
            score: test.passed ? (share * 1000).rounded() / 1000 : 0, message: message))
      }
    }
    let status = isPassing ? "pass" : broken ? "error" : "fail"
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let results = Results(
      status: status, maxScore: Double(maxScore), tests: tests, sandbox: isolation.rawValue)
    return String(decoding: try encoder.encode(results), as: UTF8.self) + "\n"
  }
}
