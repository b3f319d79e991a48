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
    let summary = "\(passed) of \(total) tests passed · seed \(seed)" + (student.map { " · \($0)" } ?? "")
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let results = Results(score: (score * 100).rounded() / 100, output: summary, tests: tests)
    return String(decoding: try encoder.encode(results), as: UTF8.self) + "\n"
  }

  /// JUnit XML: a `testsuite` a chapter, a `testcase` a test. A chapter that crashed or did not
  /// compile is an `error`, so the file stays valid and complete whatever happened.
  public func junitXML() -> String {
    var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
    let failed = chapters.reduce(0) { $0 + $1.tests.filter { !$0.passed }.count }
    xml += #"<testsuites name="ConcurrencyWorkbook" tests="\#(total)" failures="\#(failed)">"# + "\n"
    for chapter in chapters {
      let name = escape("\(chapter.id) \(chapter.title)")
      let problem = chapter.status == .passed || chapter.status == .failed ? nil : chapter.status
      let failures = chapter.tests.filter { !$0.passed }.count
      xml +=
        #"  <testsuite name="\#(name)" tests="\#(max(chapter.tests.count, 1))" failures="\#(failures)""#
        + #" errors="\#(problem == nil ? 0 : 1)">"# + "\n"
      for test in chapter.tests {
        xml += #"    <testcase classname="\#(escape(chapter.module))" name="\#(escape(test.name))""#
        if test.passed {
          xml += "/>\n"
          continue
        }
        xml += ">\n"
        let messages = chapter.failures.filter { $0.test == test.name }
        let first = messages.first?.message.split(separator: "\n").first.map(String.init) ?? "did not finish"
        let detail = messages.map { "\($0.file):\($0.line)\n\($0.message)" }.joined(separator: "\n\n")
        xml += #"      <failure message="\#(escape(first))">\#(escape(detail))</failure>"# + "\n"
        xml += "    </testcase>\n"
      }
      if let problem {
        xml +=
          #"    <testcase classname="\#(escape(chapter.module))" name="\#(escape(problem.rawValue))">"# + "\n"
        xml +=
          #"      <error message="\#(escape(problem.rawValue))">\#(escape(chapter.message ?? ""))</error>"#
          + "\n"
        xml += "    </testcase>\n"
      }
      xml += "  </testsuite>\n"
    }
    return xml + "</testsuites>\n"
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

/// Grades of many students as CSV: a row a student, points and status for each chapter, a total.
public func gradesCSV(_ grades: [Grade], chapters: [Chapter]) -> String {
  func field(_ text: String) -> String {
    text.contains(where: { ",\"\n".contains($0) })
      ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }
  func number(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
  }
  var header = ["student"]
  for chapter in chapters {
    header += ["\(chapter.number) points", "\(chapter.number) status"]
  }
  header += ["total", "max"]
  var lines = [header.map(field).joined(separator: ",")]
  for grade in grades {
    var row = [grade.student ?? ""]
    for chapter in chapters {
      let result = grade.chapters.first { $0.id == chapter.number }
      row += [number(result?.score ?? 0), result?.status.rawValue ?? "not graded"]
    }
    row += [number(grade.score), String(chapters.reduce(0) { $0 + $1.points })]
    lines.append(row.map(field).joined(separator: ","))
  }
  return lines.joined(separator: "\n") + "\n"
}
