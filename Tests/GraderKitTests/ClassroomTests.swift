import Foundation
import Testing
import WorkbookTestSupport

@testable import GraderKit

/// The points GitHub Classroom records for a push: the grader's `--classroom` output, handed to
/// the autograding reporter by the Classroom workflow, scored with the reporter's own arithmetic.
@Suite("Grader · GitHub Classroom points")
struct ClassroomTests {
  @Test(
    "Classroom records the grader's total to the last bit, for every pattern of passed tests of this workbook's chapters"
  )
  func exactForEveryShape() throws {
    let workbook = try Workbook(root: FixtureWorkbook.checkout)
    let shapes = workbook.chapters.map { chapter in
      (
        chapter,
        ExpectedTests.names(
          in: FixtureWorkbook.checkout.appendingPathComponent("Tests/\(chapter.testModule)"))
      )
    }
    #expect(shapes.count == 10 && shapes.allSatisfy { !$0.1.isEmpty }, "\(shapes.map(\.1.count))")
    func grade(_ passes: (Int, Int) -> Bool) -> Grade {
      let chapters = shapes.enumerated().map { index, shape in
        let (chapter, names) = shape
        let tests = names.enumerated().map { test, name in
          ChapterResult.TestOutcome(
            name: name, passed: passes(index, test), file: "Tests/X.swift", line: 10 + test)
        }
        let passed = tests.filter(\.passed).count
        return ChapterResult(
          id: chapter.number, title: chapter.title, module: chapter.module,
          status: passed == tests.count ? .passed : .failed, passed: passed, total: tests.count,
          failures: [], tests: tests, maxScore: chapter.points)
      }
      return Grade(sources: .exercises, seed: 1, chapters: chapters)
    }
    let solved = try ClassroomReporter(environment: grade { _, _ in true }.classroomEnvironment())
    #expect(solved.notify.totalPoints == 100 && solved.notify.maxPoints == 100)
    let halfDone = try ClassroomReporter(
      environment: grade { chapter, _ in chapter < 5 }.classroomEnvironment())
    #expect(halfDone.notify.totalPoints == 50)
    var random = WorkbookRandom()
    for _ in 0..<200 {
      let pattern = shapes.map { _, names in names.map { _ in random.next() % 2 == 0 } }
      let graded = grade { pattern[$0][$1] }
      let reporter = try ClassroomReporter(environment: graded.classroomEnvironment())
      #expect(reporter.notify.totalPoints == graded.score, "seed \(WorkbookRandom.seed)")
      // The reporter's log scores each runner by test count: the chapter's points, as the table shows them.
      for (runner, chapter) in zip(reporter.runners, graded.chapters) {
        #expect(abs(ClassroomReporter.testScore(runner.results) - chapter.score) < 1e-9)
      }
    }
  }

  #if os(Linux)
    @Test(
      "the workflow's grading and hand-over steps on the grader's real output: solved 20/20, half done 10/20, one test short 15/20",
      arguments: [(HandIn.solved, 20.0), (.doesNotCompile, 10.0), (.skeleton, 15.0)])
    func workflowPoints(handIn: HandIn, points: Double) async throws {
      // The shared workbook's lock blocks: taken on a thread of its own, not one of Swift Testing's.
      let (environment, grade) = try await onOwnThread {
        let workbook = try FixtureWorkbook.course()
        defer { workbook.release() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classroom-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try handIn.write(into: folder.appendingPathComponent("hand-in"))
        // `./grader` of the step: the build under test, grading this hand-in in the fixture workbook.
        try GraderBinary.script(
          at: folder.appendingPathComponent("grader"), root: workbook.root,
          arguments: ["--submission", folder.appendingPathComponent("hand-in").path])
        let workflow = try ClassroomWorkflow(
          text: String(
            contentsOf: FixtureWorkbook.checkout.appendingPathComponent(".github/classroom/autograding.yml"),
            encoding: .utf8))
        let environment = try workflow.run(
          ["Grade every chapter", "Hand the points to the reporter"], in: folder, maxScore: 20)
        let grade = try JSONDecoder().decode(
          Grade.self, from: Data(contentsOf: folder.appendingPathComponent("grades/grade.json")))
        return (environment, grade)
      }
      let reporter = try ClassroomReporter(environment: environment)
      #expect(reporter.notify.totalPoints == points && reporter.notify.maxPoints == 20)
      #expect(reporter.notify.totalPoints == grade.score, "the dashboard shows the grader's total")
      #expect(reporter.runners.map(\.runner) == ["chapter01", "chapter02"])
      // Every test names its line, so the reporter never prints "line undefined"; a test that
      // ran names the line of its declaration, and one of a chapter that never ran has 0, which
      // the reporter's log shows as the name alone (console-results.js: `line_no !== 0`).
      for (_, results) in reporter.runners {
        for test in results["tests"] as? [[String: Any]] ?? [] {
          let line = try #require(ClassroomReporter.number(test["line_no"]), "\(test)")
          #expect(results["status"] as? String == "error" || line > 0, "\(test)")
        }
      }
    }
  #endif
}

// MARK: - Fixtures

/// classroom-resources/autograding-grading-reporter's arithmetic, re-implemented from its source
/// (commit 43c2d9f): `src/main.js` reads each runner of the comma-separated `runners` input from
/// the environment variable `${runner.trim().toUpperCase()}_RESULTS`, base64-decoded JSON;
/// `src/notify-classroom.js` (what Classroom records: "Points X/Y") skips a runner whose
/// `max_score` is falsy, adds up every runner's `max_score` and every test's `score` in order;
/// `src/helpers/test-helpers.js`' `getTestScore` (the log, per runner) is the passed tests over
/// all tests, times `max_score`.
struct ClassroomReporter {
  var runners: [(runner: String, results: [String: Any])] = []
  var notify: (totalPoints: Double, maxPoints: Double) = (0, 0)

  /// Reads `NAME=VALUE` lines as the runner puts `$GITHUB_ENV` into later steps' environments.
  init(environment text: String) throws {
    var environment: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { environment[parts[0]] = parts[1] }
    }
    let input = try #require(environment[Grade.classroomRunnersVariable])
    for runner in input.split(separator: ",").map(String.init) {
      let encoded = try #require(
        environment["\(runner.trimmingCharacters(in: .whitespaces).uppercased())_RESULTS"])
      let json = try #require(Data(base64Encoded: encoded))
      runners.append((runner, try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])))
    }
    for (_, results) in runners {
      let maxScore = Self.number(results["max_score"]) ?? 0
      if maxScore == 0 { continue }
      notify.maxPoints += maxScore
      for test in results["tests"] as? [[String: Any]] ?? [] {
        notify.totalPoints += Self.number(test["score"]) ?? .nan
      }
    }
  }

  /// `getTestScore`: `(passed / tests.length) * (max_score || 0)`.
  static func testScore(_ results: [String: Any]) -> Double {
    let tests = results["tests"] as? [[String: Any]] ?? []
    let passed = tests.filter { $0["status"] as? String == "pass" }.count
    return (Double(passed) / Double(tests.count)) * (number(results["max_score"]) ?? 0)
  }

  /// A JSON number as JavaScript holds it: a double.
  static func number(_ value: Any?) -> Double? {
    switch value {
    case let value as Int: Double(value)
    case let value as Double: value
    case let value as NSNumber: value.doubleValue
    default: nil
    }
  }
}

/// The Classroom workflow template of this checkout, whose steps' scripts a test runs as Actions
/// runs them (`bash -e -o pipefail`), in a folder of its own.
struct ClassroomWorkflow {
  let lines: [Substring]

  init(text: String) throws {
    lines = text.split(separator: "\n", omittingEmptySubsequences: false)
  }

  /// The `run: |` script of the step named `name`.
  func script(of name: String) throws -> String {
    let start = try #require(lines.firstIndex { $0.hasSuffix("- name: \(name)") }, "a step named \(name)")
    let run = try #require(lines[start...].firstIndex { $0.trimmingCharacters(in: .whitespaces) == "run: |" })
    let body = lines[(run + 1)...].prefix { $0.isEmpty || $0.hasPrefix("          ") }
    return body.map { String($0.dropFirst(min(10, $0.count))) }.joined(separator: "\n")
  }

  /// A value of the job's `env:`.
  func value(_ name: String) -> String {
    let line = lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(name): ") } ?? ""
    return line.split(separator: "\"").dropFirst().first.map(String.init) ?? ""
  }

  /// Runs the steps named `steps` in `folder`, one after the other, with `environment` on top of
  /// the job's, and returns what they wrote to `GITHUB_ENV`; their `GITHUB_OUTPUT` is `outputs`.
  /// Both files are kept in `files` (`folder` by default).
  func run(
    _ steps: [String], in folder: URL, maxScore: Int? = nil, environment extra: [String: String] = [:],
    files: URL? = nil
  ) throws -> String {
    let files = files ?? folder
    let githubEnv = files.appendingPathComponent("github-env")
    let githubOutput = files.appendingPathComponent("github-output")
    for file in [githubEnv, githubOutput] where !FileManager.default.fileExists(atPath: file.path) {
      try "".write(to: file, atomically: true, encoding: .utf8)
    }
    for step in steps {
      let scriptFile = files.appendingPathComponent("step.sh")
      try (#"cd "$1"\#n"# + script(of: step) + "\n").write(to: scriptFile, atomically: true, encoding: .utf8)
      var environment = [
        "PRISTINE_SHA256": value("PRISTINE_SHA256"), "GUARDED_PATHS": value("GUARDED_PATHS"),
        "MAX_SCORE": maxScore.map(String.init) ?? value("MAX_SCORE"), "GITHUB_ENV": githubEnv.path,
        "GITHUB_OUTPUT": githubOutput.path,
      ]
      environment.merge(extra) { _, new in new }
      let outcome = try Subprocess(
        executable: "/bin/bash",
        arguments: ["--noprofile", "--norc", "-eo", "pipefail", scriptFile.path, folder.path],
        environment: environment, deadline: .seconds(15 * 60)
      ).run()
      #expect(outcome.termination == .exited(0), "\(step): \(outcome.output)")
    }
    return try String(contentsOf: githubEnv, encoding: .utf8)
  }

  /// What the steps run so far wrote to `GITHUB_OUTPUT`, by name.
  static func outputs(in folder: URL) throws -> [String: String] {
    var outputs: [String: String] = [:]
    let text = try String(contentsOf: folder.appendingPathComponent("github-output"), encoding: .utf8)
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { outputs[parts[0]] = parts[1] }
    }
    return outputs
  }
}
