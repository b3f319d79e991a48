import Foundation

/// A grade in the formats course platforms read: Gradescope's results, JUnit XML and CSV.
extension Grade {
  /// Gradescope's autograder results (`/autograder/results/results.json`): a top-level score and
  /// one entry a test, each worth an equal share of its chapter's points.
  public func gradescopeJSON() throws -> String {
    struct Results: Encodable {
      var score: Double
      var output: String
      var stdoutVisibility = "visible"
      var tests: [TestResult]

      // Gradescope's field names are snake case.
      enum CodingKeys: String, CodingKey {
        case score, output, tests
        case stdoutVisibility = "stdout_visibility"
      }
    }
    struct TestResult: Encodable {
      var name: String
      var score: Double
      var maxScore: Double
      var status: String
      var output: String
      var visibility = "visible"

      enum CodingKeys: String, CodingKey {
        case name, score, status, output, visibility
        case maxScore = "max_score"
      }
    }
    var tests: [TestResult] = []
    for chapter in chapters {
      let prefix = "\(chapter.id) \(chapter.title)"
      if chapter.tests.isEmpty {
        // A chapter that did not compile or run still shows, worth nothing, with the reason.
        tests.append(
          TestResult(
            name: "\(prefix): \(chapter.status.rawValue)", score: 0, maxScore: Double(chapter.maxScore),
            status: "failed", output: chapter.message ?? ""))
        continue
      }
      let share = Double(chapter.maxScore) / Double(chapter.tests.count)
      for test in chapter.tests {
        let failures = chapter.failures.filter { $0.test == test.name }
        var output = failures.map { "\($0.file):\($0.line)\n\($0.message)" }.joined(separator: "\n\n")
        if !test.passed && failures.isEmpty {
          output = "\(chapter.status.rawValue): \(chapter.message ?? "the test did not finish")"
        }
        tests.append(
          TestResult(
            name: "\(prefix) · \(test.name)", score: test.passed ? share : 0, maxScore: share,
            status: test.passed ? "passed" : "failed", output: output))
      }
    }
    let summary =
      "\(passed) of \(total) tests passed · seed \(seed) · sandbox: \(isolation.rawValue)"
      + (student.map { " · \($0)" } ?? "")
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let results = Results(score: (score * 100).rounded() / 100, output: summary, tests: tests)
    return String(decoding: try encoder.encode(results), as: UTF8.self) + "\n"
  }

  /// JUnit XML: a `testsuite` a chapter, a `testcase` a test, with its `file`, `line` and `time`.
  ///
  /// A test that failed an expectation has a `failure`; one that did not pass for lack of a run
  /// (its chapter crashed, timed out, did not compile, or was missing or refused) has an `error`
  /// with the chapter's reason, and a chapter with no test to list has one `testcase` for its
  /// error. Each element's `tests` is its testcases, `failures` plus `errors` those that did not pass.
  public func junitXML() -> String {
    var suites: [String] = []
    var totals = (tests: 0, failures: 0, errors: 0, seconds: 0.0)
    for chapter in chapters {
      var cases: [String] = []
      var failures = 0
      var errors = 0
      let problem = "\(chapter.status.rawValue): \(chapter.message ?? "the test did not finish")"
      for test in chapter.tests {
        var attributes = #"classname="\#(escape(chapter.module))" name="\#(escape(test.name))""#
        if let file = test.file, !file.isEmpty { attributes += #" file="\#(escape(file))""# }
        if let line = test.line { attributes += #" line="\#(line)""# }
        attributes += #" time="\#(Self.seconds(test.seconds))""#
        if test.passed {
          cases.append("    <testcase \(attributes)/>")
          continue
        }
        let messages = chapter.failures.filter { $0.test == test.name }
        let body: String
        if let first = messages.first {
          failures += 1
          let summary = first.message.split(separator: "\n").first.map(String.init) ?? "failed"
          let detail = messages.map { "\($0.file):\($0.line)\n\($0.message)" }.joined(separator: "\n\n")
          body = #"      <failure message="\#(escape(summary))" type="failure">\#(escape(detail))</failure>"#
        } else {
          errors += 1
          let summary = problem.split(separator: "\n").first.map(String.init) ?? problem
          body =
            #"      <error message="\#(escape(summary))" type="\#(escape(chapter.status.rawValue))">"#
            + "\(escape(problem))</error>"
        }
        cases.append("    <testcase \(attributes)>\n\(body)\n    </testcase>")
      }
      if chapter.tests.isEmpty && chapter.status != .passed {
        // Nothing to list, yet something to say: the chapter's own testcase carries it.
        errors += 1
        cases.append(
          #"    <testcase classname="\#(escape(chapter.module))" name="\#(escape(chapter.status.rawValue))" time="0">"#
            + "\n"
            + #"      <error message="\#(escape(chapter.status.rawValue))" type="\#(escape(chapter.status.rawValue))">"#
            + "\(escape(chapter.message ?? ""))</error>\n    </testcase>")
      }
      let seconds = chapter.seconds ?? 0
      totals = (
        totals.tests + cases.count, totals.failures + failures, totals.errors + errors,
        totals.seconds + seconds
      )
      // How the suite was isolated, as a property: what the grade is worth.
      let properties =
        #"    <properties><property name="sandbox" value="\#(isolation.rawValue)"/></properties>"# + "\n"
      suites.append(
        #"  <testsuite name="\#(escape("\(chapter.id) \(chapter.title)"))" tests="\#(cases.count)""#
          + #" failures="\#(failures)" errors="\#(errors)" skipped="0" time="\#(Self.seconds(seconds))">"#
          + "\n" + properties + cases.map { $0 + "\n" }.joined() + "  </testsuite>")
    }
    let name = escape("ConcurrencyWorkbook" + (student.map { " · \($0)" } ?? ""))
    return #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
      + #"<testsuites name="\#(name)" tests="\#(totals.tests)" failures="\#(totals.failures)""#
      + #" errors="\#(totals.errors)" time="\#(Self.seconds(totals.seconds))">"# + "\n"
      + suites.map { $0 + "\n" }.joined() + "</testsuites>\n"
  }

  /// Seconds as JUnit writes them: `0.123`.
  private static func seconds(_ value: Double?) -> String {
    String(format: "%.3f", value ?? 0)
  }

  private func escape(_ text: String) -> String {
    var escaped = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"": escaped += "&quot;"
      case "'": escaped += "&apos;"
      // XML 1.0 has no way to write most control characters: a crash's output may hold them.
      case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
      case _ where scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value): escaped += "?"
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped
  }
}
