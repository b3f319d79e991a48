import Foundation
import Testing
import WorkbookTestSupport

@testable import GraderKit

/// `./grader release DIR`: the student edition, without the answer key, and its grade.
///
/// Each test releases a fresh copy of the two-chapter fixture workbook, with the templates of this
/// checkout's `.github/classroom/`; the last one grades the released copy, as a student's first
/// `./grader` would, and as the Classroom workflow does with `--classroom`.
@Suite("Grader · student edition")
struct StudentEditionTests {
  @Test("SHA-256 gives the standard's digests, as sha256sum prints them", arguments: SHA256Vector.all)
  func sha256(vector: SHA256Vector) {
    #expect(SHA256.hex(of: Data(vector.message.utf8)) == vector.digest)
  }

  @Test(
    "release leaves out Solutions/, history, local state, the grader's own tests and the mutants, and keeps the rest"
  )
  func contents() throws {
    let release = try Release.make()
    defer { release.remove() }
    let top = try FileManager.default.contentsOfDirectory(atPath: release.student.path).sorted()
    #expect(
      top == [".github", "Exercises", "Package.swift", "README.md", "Sources", "Tests", "pristine.sha256"],
      "\(top)")
    let tests = try FileManager.default.contentsOfDirectory(
      atPath: release.student.appendingPathComponent("Tests").path)
    #expect(Set(tests) == ["HealthyTests", "FailingTests"], "\(tests)")
    let sources = try FileManager.default.contentsOfDirectory(
      atPath: release.student.appendingPathComponent("Sources").path)
    #expect(sources == ["FaultSupport"], "the benchmarks of the solutions stay behind: \(sources)")
    #expect(
      release.exists("Exercises/02-Failing/README.md") && release.exists("Exercises/02-Failing/hints.md"))
    #expect(release.exists(".github/workflows/classroom.yml"))
    let readme = try release.text(of: "README.md")
    #expect(
      readme.contains("| 02 | [Doubling](Exercises/02-Failing/README.md) | `./grader 02` |"), "\(readme)")
    #expect(!readme.contains("{{"), "every placeholder is filled in")
  }

  @Test("pristine.sha256 lists every file a grade trusts, and the Classroom workflow holds its checksum")
  func checksums() throws {
    let release = try Release.make()
    defer { release.remove() }
    let listing = try release.text(of: StudentEdition.checksumFile)
    var listed: [String] = []
    for line in listing.split(separator: "\n") {
      let digest = String(line.prefix(64))
      let path = String(line.dropFirst(66))
      listed.append(path)
      let data = try Data(contentsOf: release.student.appendingPathComponent(path))
      #expect(SHA256.hex(of: data) == digest, "\(path)")
    }
    #expect(listed == StudentEdition.pristinePaths(in: release.student))
    #expect(listed.contains("Package.swift") && listed.contains("Tests/FailingTests/FailingTests.swift"))
    #expect(listed.contains("Sources/FaultSupport/ProcessLog.swift"), "\(listed)")
    #expect(
      !listed.contains { $0.hasPrefix("Exercises/02-Failing/Failing") }, "the student's own files are free")
    let workflow = try release.text(of: ".github/workflows/classroom.yml")
    #expect(workflow.contains(#"PRISTINE_SHA256: "\#(SHA256.hex(of: Data(listing.utf8)))""#))
    #expect(workflow.contains(#"MAX_SCORE: "20""#), "two chapters of 10 points")
  }

  // The workflow runs on Ubuntu, with GNU coreutils (sha256sum, base64 -w0): so does its test.
  #if os(Linux)
    @Test(
      "the Classroom workflow's check passes the released files and gives 0 points to a push that edited or added a file that decides the build",
      arguments: [
        nil, "Tests/FailingTests/FailingTests.swift", "Sources/FaultSupport/Extra.swift",
        "Package@swift-6.swift",
        ".swift-version", "Package.resolved", ".build/debug/grader", ".swiftpm/configuration/mirrors.json",
        "Exercises/02-Failing/Given/Extra.swift", "link:Sources/FaultSupport/Linked.swift",
      ])
    func classroomCheck(edited: String?) throws {
      let release = try Release.make()
      defer { release.remove() }
      var path = edited
      if let edited, edited.hasPrefix("link:") {
        path = String(edited.dropFirst(5))
        try FileManager.default.createSymbolicLink(
          atPath: release.student.appendingPathComponent(path!).path,
          withDestinationPath: "../../Exercises/02-Failing/Failing.swift")
      } else if let edited {
        let file = release.student.appendingPathComponent(edited)
        try FileManager.default.createDirectory(
          at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        try (text + "\n// always passes\n").write(to: file, atomically: true, encoding: .utf8)
      }
      let workflow = try ClassroomWorkflow(text: release.text(of: ".github/workflows/classroom.yml"))
      let scratch = release.folder.appendingPathComponent("actions")
      try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
      // The steps run in the student's repository; GITHUB_ENV and GITHUB_OUTPUT live beside it.
      _ = try workflow.run(
        ["Check that the tests, the manifest and the grader are the released ones"], in: release.student,
        environment: [:], files: scratch)
      let outputs = try ClassroomWorkflow.outputs(in: scratch)
      if let path {
        #expect(outputs["intact"] == nil)
        let environment = try workflow.run(
          ["Hand the points to the reporter"], in: release.student, files: scratch)
        let reporter = try ClassroomReporter(environment: environment)
        #expect(reporter.notify.totalPoints == 0 && reporter.notify.maxPoints == 20)
        let results = try #require(reporter.runners.first?.results)
        #expect(results["status"] as? String == "error")
        let tests = try #require(results["tests"] as? [[String: Any]])
        #expect(tests.count == 1 && ClassroomReporter.number(tests[0]["score"]) == 0)
        #expect((tests[0]["message"] as? String)?.contains(path) == true, "\(tests)")
      } else {
        #expect(outputs == ["intact": "true"])
      }
    }
  #endif

  @Test(
    "release refuses, as bad usage, a folder inside the workbook and one that is not empty, and writes nothing"
  )
  func refusals() throws {
    let release = try Release.make()
    defer { release.remove() }
    let inside = release.instructor.appendingPathComponent("students")
    let before = try String(contentsOf: release.student.appendingPathComponent("README.md"), encoding: .utf8)
    for (folder, reason) in [(inside, "is inside it"), (release.student, "is not empty")] {
      #expect {
        try runCommand(["release", folder.path], in: release.instructor)
      } throws: { error in
        guard let error = error as? GraderError else { return false }
        return error.exitCode == 2 && error.description.contains(folder.path)
          && error.description.contains(reason)
      }
    }
    #expect(!FileManager.default.fileExists(atPath: inside.path))
    #expect(try release.text(of: "README.md") == before)
  }

  @Test(
    "the released copy is graded like a clone, --classroom writes the reporter's points, and check needs the instructor edition"
  )
  func gradeReleasedCopy() async throws {
    let release = try Release.make()
    defer { release.remove() }
    let classroom = release.folder.appendingPathComponent("classroom.env")
    let (code, printed) = try await onOwnThread {
      try runCommand(
        [
          "--format", "json", "--classroom", classroom.path, "--timeout",
          "\(Int(Liveness.deadline.timeInterval))",
        ],
        in: release.student)
    }
    #expect(code == 1, "the skeleton of chapter 02 fails a test")
    let grade = try JSONDecoder().decode(Grade.self, from: Data(printed.utf8))
    #expect(grade.chapters.map(\.status) == [.passed, .failed], "\(printed)")
    let reporter = try ClassroomReporter(environment: String(contentsOf: classroom, encoding: .utf8))
    #expect(reporter.runners.map { $0.results["status"] as? String } == ["pass", "fail"])
    #expect(reporter.runners.allSatisfy { $0.results["version"] as? Int == 1 })
    #expect(reporter.notify.maxPoints == 20)
    #expect(reporter.notify.totalPoints == 15, "10 for chapter 01 and half of chapter 02's 10")

    for arguments in [["check"], ["compare", "02"], ["--solutions"]] {
      #expect(
        throws: GraderError.instructorEditionOnly(
          arguments == ["--solutions"] ? "./grader --solutions" : "./grader \(arguments[0])")
      ) {
        try runCommand(arguments, in: release.student)
      }
    }
    #expect(GraderError.instructorEditionOnly("./grader check").exitCode == 3)
  }

  @Test(
    "a student edition's help lists the students' commands and options only; the instructor's lists them all"
  )
  func studentHelp() throws {
    let release = try Release.make()
    defer { release.remove() }
    let student = try runCommand(["--help"], in: release.student).printed
    let instructor = try runCommand(["--help"], in: release.instructor).printed
    for word in [
      "./grader hint CHAPTER", "./grader watch", "./grader reset CHAPTER", "--seed", "--classroom",
    ] {
      #expect(student.contains(word) && instructor.contains(word), "\(word)")
    }
    for word in [
      "check", "audit", "compare", "release", "--solutions", "--mutants", "Mutants", "--repeat", "--hog",
      "--submission", "--csv", "--resume", "--gradescope", "instructor", "answer key",
    ] {
      #expect(!student.contains(word), "\(word) in the student's help:\n\(student)")
    }
    for word in ["./grader check", "audit", "compare CHAPTER", "release DIR", "--solutions", "--submissions"]
    {
      #expect(instructor.contains(word), "\(word)")
    }
    #expect(student.split(separator: "\n").allSatisfy { $0.count <= HelpText.width })
    #expect(Command.usage(in: release.student) == student.dropLast())
  }

  @Test("./grader hint in a student edition shows the hint without the note to readers of hints.md")
  func studentHint() throws {
    let release = try Release.make()
    defer { release.remove() }
    _ = try runCommand(["hint", "02"], in: release.student)
    let second = try runCommand(["hint", "02"], in: release.student).printed
    #expect(second.contains("Look at the number double multiplies by."), "\(second)")
    #expect(!second.contains("Keep reading"), "\(second)")
  }

  @Test(
    "the workbook's own manifest, in its student edition, declares only targets whose sources ship: no Bench, no Benchmarks"
  )
  func realManifest() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("real-release-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let student = folder.appendingPathComponent("student")
    _ = try StudentEdition(workbook: Workbook(root: FixtureWorkbook.checkout)).write(to: student)
    #expect(!FileManager.default.fileExists(atPath: student.appendingPathComponent("Sources/Bench").path))
    #expect(
      !FileManager.default.fileExists(atPath: student.appendingPathComponent("Sources/Benchmarks").path))
    // `describe` loads the package graph, which fails on a target whose folder is missing.
    let outcome = try Subprocess(
      executable: "/usr/bin/env",
      arguments: [
        "swift", "package", "--package-path", student.path, "--scratch-path",
        folder.appendingPathComponent("scratch").path, "describe", "--type", "json",
      ],
      environment: ["WORKBOOK_BENCH": "1"], deadline: .seconds(300)
    ).run()
    #expect(outcome.termination == .exited(0), "\(outcome.output)")
    #expect(outcome.output.contains(#""name" : "Demos""#), "\(outcome.output.prefix(2000))")
    #expect(!outcome.output.contains(#""name" : "Bench""#) && !outcome.output.contains("Benchmarks"))
  }
}

// MARK: - Fixtures

/// A fixture workbook and its student edition, side by side in a temporary folder.
struct Release {
  let folder: URL
  var instructor: URL { folder.appendingPathComponent("instructor") }
  var student: URL { folder.appendingPathComponent("student") }

  /// Copies the two-chapter fixture workbook with this checkout's templates and some local state
  /// that a release must leave out, then releases it.
  static func make() throws -> Release {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("student-edition-\(UUID())")
    let release = Release(folder: folder)
    let files = FileManager.default
    try files.createDirectory(at: folder, withIntermediateDirectories: true)
    try FixtureWorkbook.mirror(to: release.instructor, chapters: FixtureWorkbook.courseChapters)
    try files.createDirectory(
      at: release.instructor.appendingPathComponent(".github"), withIntermediateDirectories: true)
    try files.copyItem(
      at: FixtureWorkbook.checkout.appendingPathComponent(StudentEdition.templates),
      to: release.instructor.appendingPathComponent(StudentEdition.templates))
    for state in [
      ".git/HEAD", ".grader/hints/02", ".build/debug/stale", "Tests/GraderKitTests/Suite.swift",
      "Tests/Mutants/02-Failing/wrong.patch", "Sources/Bench/main.swift", "Sources/Benchmarks/main.swift",
    ] {
      let file = release.instructor.appendingPathComponent(state)
      try files.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
      try "local state".write(to: file, atomically: true, encoding: .utf8)
    }
    _ = try StudentEdition(workbook: Workbook(root: release.instructor)).write(to: release.student)
    return release
  }

  func exists(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: student.appendingPathComponent(path).path)
  }

  func text(of path: String) throws -> String {
    try String(contentsOf: student.appendingPathComponent(path), encoding: .utf8)
  }

  func remove() {
    try? FileManager.default.removeItem(at: folder)
  }
}

/// A message and its SHA-256, from FIPS 180-4's examples.
struct SHA256Vector: Sendable, CustomTestStringConvertible {
  let message: String
  let digest: String
  var testDescription: String { "\"\(message.prefix(20))\"" }

  static let all = [
    SHA256Vector(message: "", digest: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    SHA256Vector(message: "abc", digest: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    SHA256Vector(
      message: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      digest: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
  ]
}
