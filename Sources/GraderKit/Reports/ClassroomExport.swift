import Foundation

extension Grade {
  /// The grade as GitHub Classroom's autograding reporter reads it (`--classroom FILE`): lines for
  /// `$GITHUB_ENV`, one runner a chapter.
  ///
  /// classroom-resources/autograding-grading-reporter reads each runner named in its `runners`
  /// input from the environment variable `RUNNER_RESULTS` (the name upper-cased), a base64-encoded
  /// JSON object: `max_score`, a `status` and one entry a test with its `score` and `line_no`.
  /// Its log scores a runner by test count (passed tests over all, times `max_score`), and the
  /// points Classroom records are the sum of every test's `score`: with one runner a chapter,
  /// each worth the chapter's points, both agree with the grader's rule (a chapter's points
  /// shared equally by its tests). The scores are chosen so that adding them in the reporter's
  /// order, in doubles as JavaScript adds, gives exactly the grader's total, to the last bit: a
  /// perfect grade is 100, not 100.006. `CLASSROOM_RUNNERS` lists the runners, for the
  /// reporter's `runners` input.
  public func classroomEnvironment() throws -> String {
    var lines = [
      "\(Self.classroomRunnersVariable)=\(chapters.map(Self.classroomRunner).joined(separator: ","))"
    ]
    for (chapter, results) in try classroomResults() {
      lines.append(
        "\(Self.classroomRunner(chapter).uppercased())_RESULTS=\(Data(results.utf8).base64EncodedString())")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The variable that names the runners, for the reporter's `runners` input.
  public static let classroomRunnersVariable = "CLASSROOM_RUNNERS"

  /// A chapter's runner: letters and digits only, as the reporter's `runners` input takes them.
  static func classroomRunner(_ chapter: ChapterResult) -> String {
    "chapter" + chapter.id.filter { $0.isLetter || $0.isNumber }
  }

  /// Each chapter's results, as JSON, in course order.
  func classroomResults() throws -> [(ChapterResult, String)] {
    struct Results: Encodable {
      var version = 1
      var status: String
      var maxScore: Int
      /// How the suites were isolated (`Isolation`); the reporter reads only the fields above.
      var sandbox: String
      var tests: [TestResult]

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
      var filename: String
      var lineNumber: Int

      enum CodingKeys: String, CodingKey {
        case name, status, score, message, filename
        case lineNumber = "line_no"
      }
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // The reporter's running total, and the grader's: `score` adds the chapters' points in order.
    var reported = 0.0
    var graded = 0.0
    var results: [(ChapterResult, String)] = []
    for chapter in chapters {
      let prefix = "\(chapter.id) \(chapter.title)"
      var tests: [TestResult] = []
      if chapter.tests.isEmpty {
        tests.append(
          TestResult(
            name: "\(prefix): \(chapter.status.rawValue)", status: "error", score: 0,
            message: chapter.message ?? "", filename: "", lineNumber: 0))
      }
      let passing = chapter.tests.filter(\.passed).count
      var passed = 0
      for test in chapter.tests {
        let failures = chapter.failures.filter { $0.test == test.name }
        var message = failures.map { "\($0.file):\($0.line): \($0.message)" }.joined(separator: "\n")
        if !test.passed && failures.isEmpty {
          message = "\(chapter.status.rawValue): \(chapter.message ?? "the test did not finish")"
        }
        var score = 0.0
        if test.passed {
          passed += 1
          // Where the grader's total stands once this test's share is in: the chapter's own
          // points after its last passing test, so no rounding is ever carried over.
          let goal =
            passed == passing
            ? graded + chapter.score
            : graded + Double(chapter.maxScore) * Double(passed) / Double(chapter.tests.count)
          score = Self.addend(taking: reported, to: goal)
          reported += score
        }
        tests.append(
          TestResult(
            name: "\(prefix) · \(test.name)", status: test.passed ? "pass" : "fail", score: score,
            message: message, filename: test.file ?? "", lineNumber: test.line ?? 0))
      }
      graded += chapter.score
      let status =
        switch chapter.status {
        case .passed: "pass"
        case .failed: "fail"
        default: "error"
        }
      let json = try encoder.encode(
        Results(status: status, maxScore: chapter.maxScore, sandbox: isolation.rawValue, tests: tests))
      results.append((chapter, String(decoding: json, as: UTF8.self)))
    }
    return results
  }

  /// The double that, added to `total` as JavaScript adds, gives exactly `goal`, or the nearest.
  private static func addend(taking total: Double, to goal: Double) -> Double {
    var addend = goal - total
    for _ in 0..<64 where total + addend != goal {
      addend = total + addend < goal ? addend.nextUp : addend.nextDown
    }
    return addend
  }
}
