import Foundation

/// A chapter's tests, the student's result beside the solution's, and under each test the student
/// fails, where and why it failed.
struct ComparisonReport {
  let chapter: Chapter
  let student: Grade
  let solution: Grade

  func render() -> String {
    let theirs = student.chapters.first
    let ours = solution.chapters.first
    var lines = [
      "Chapter \(chapter.number) · \(chapter.title): student beside solution (seed \(student.seed))", "",
    ]
    lines.append("Student   Solution  Test")
    let names =
      (ours?.tests.map(\.name) ?? [])
      + (theirs?.tests.map(\.name) ?? []).filter { name in
        !(ours?.tests.contains { $0.name == name } ?? false)
      }
    func mark(_ result: ChapterResult?, _ name: String) -> String {
      guard let result, let test = result.tests.first(where: { $0.name == name }) else {
        return result.map { $0.status.rawValue } ?? "—"
      }
      return test.passed ? "✔ pass" : "✘ fail"
    }
    for name in names {
      lines.append(mark(theirs, name).padded(10) + mark(ours, name).padded(10) + name)
      if let theirs, theirs.tests.contains(where: { $0.name == name && !$0.passed }) {
        lines += Self.failureLines(of: name, in: theirs)
      }
    }
    lines.append(
      "Total".padded(0)
        + "  \(theirs?.passed ?? 0)/\(theirs?.total ?? 0) student, \(ours?.passed ?? 0)/\(ours?.total ?? 0) solution"
    )
    if let message = theirs?.message {
      lines.append("Student's run: \(theirs?.status.rawValue ?? ""): \(message)")
    }
    return lines.joined(separator: "\n") + "\n\n"
  }

  /// Under the name of a test the student failed: where each expectation failed and its message.
  static func failureLines(of test: String, in result: ChapterResult) -> [String] {
    let indent = String(repeating: " ", count: 20)
    let failures = result.failures.filter { $0.test == test }
    guard !failures.isEmpty else { return [indent + "(did not finish)"] }
    return failures.flatMap { failure in
      ["\(indent)\(failure.file):\(failure.line)"]
        + failure.message.split(separator: "\n").map { "\(indent)  \($0)" }
    }
  }
}

/// The unified diff of each file of a chapter, solution against student.
enum FileDiff {
  static func render(solution: URL, student: URL) throws -> String {
    let names = Set(swiftFiles(in: solution) + swiftFiles(in: student)).sorted()
    var text = ""
    for name in names {
      let outcome = try Subprocess(
        executable: "diff",
        arguments: [
          "-u", "-N", "--label", "solution/\(name)", "--label", "student/\(name)",
          solution.appendingPathComponent(name).path, student.appendingPathComponent(name).path,
        ]
      ).run()
      text +=
        outcome.termination == .exited(0) ? "\(name): identical to the solution\n\n" : outcome.output + "\n"
    }
    return text
  }

  private static func swiftFiles(in folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
      $0.hasSuffix(".swift")
    }
  }
}

extension String {
  fileprivate func padded(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
