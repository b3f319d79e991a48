import Foundation
import Testing
import WorkbookTestSupport

@testable import GraderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The students' commands: `hint`, `reset`, `watch`, and the command line's help and exit codes.
///
/// `hint` and `reset` run on a fresh copy of the two-chapter fixture workbook each, as on a fresh
/// clone; `watch` runs the grader program on the cached one (`FixtureWorkbook.course()`), whose
/// builds stay warm between runs.
@Suite("Grader · students' commands")
struct StudentCommandTests {
  @Test(
    "hint shows the chapter's hints one at a time, then says all were seen; the count is kept in .grader/hints"
  )
  func hints() throws {
    let root = try FixtureWorkbook.temporaryCopy(chapters: FixtureWorkbook.courseChapters)
    defer { try? FileManager.default.removeItem(at: root) }
    // A phrase of each hint of the fixture's Exercises/02-Failing/hints.md, in order, as plain
    // text: the hint's `double` loses its code marks.
    let phrases = [#"section "Doubling""#, "Look at the number double multiplies by.", "not times three"]
    let counter = root.appendingPathComponent(".grader/hints/02")
    for shown in phrases.indices {
      let (code, printed) = try runCommand(["hint", shown == 0 ? "02" : "Failing"], in: root)
      #expect(code == 0)
      #expect(printed.hasPrefix("Hint \(shown + 1) of 3, chapter 02 · Doubling"), "\(printed)")
      // The file's note to its readers is not for one hint at a time.
      #expect(!printed.contains(Hints.readersNote), "\(printed)")
      // This hint's phrase, and no other's: one hint at a time.
      for (index, phrase) in phrases.enumerated() {
        #expect(printed.contains(phrase) == (index == shown), "\(printed)")
      }
      #expect(try String(contentsOf: counter, encoding: .utf8) == "\(shown + 1)")
    }
    let (code, printed) = try runCommand(["hint", "2"], in: root)
    #expect(code == 0)
    #expect(printed.hasPrefix("You have seen all 3 hints of chapter 02."), "\(printed)")
    #expect(try String(contentsOf: counter, encoding: .utf8) == "3")
  }

  @Test(
    "reset --yes puts the skeleton back from .grader/skeletons and keeps the student's version in .grader/backups, without git"
  )
  func reset() throws {
    let clone = try FreshClone()
    defer { clone.remove() }
    let first = try GraderBinary.run(["hint", "02"], in: clone.root)
    #expect(first.code == 0, "\(first.output)")
    #expect(
      clone.exists(".grader/skeletons/02-Failing/Failing.swift"), "the first command keeps the skeletons")
    try clone.edit()
    let reset = try GraderBinary.run(["reset", "02", "--yes"], in: clone.root)
    #expect(reset.code == 0, "\(reset.output)")
    #expect(reset.output.contains("Chapter 02 is back to its skeleton"), "\(reset.output)")
    #expect(try clone.chapterFiles() == clone.skeletonFiles)
    #expect(try clone.backups() == [clone.studentVersion])
    #expect(!clone.exists(".git"))
  }

  @Test("reset without --yes and without a terminal refuses with exit code 2 and changes nothing")
  func resetNeedsYes() throws {
    let clone = try FreshClone()
    defer { clone.remove() }
    _ = try GraderBinary.run(["hint", "02"], in: clone.root)
    try clone.edit()
    let reset = try GraderBinary.run(["reset", "02"], in: clone.root)
    #expect(reset.code == 2, "\(reset.output)")
    #expect(reset.output.contains("add --yes"), "\(reset.output)")
    #expect(try clone.text(of: clone.chapterFile) == clone.studentVersion)
    #expect(try clone.backups().isEmpty)
  }

  @Test("in a git clone, edits made before the first command are not kept as the skeleton: reset undoes them")
  func resetInGitClone() throws {
    let clone = try FreshClone()
    defer { clone.remove() }
    try clone.commit()
    try clone.edit()
    let first = try GraderBinary.run(["hint", "02"], in: clone.root)
    #expect(first.code == 0, "\(first.output)")
    let reset = try GraderBinary.run(["reset", "02", "--yes"], in: clone.root)
    #expect(reset.code == 0, "\(reset.output)")
    #expect(try clone.chapterFiles() == clone.skeletonFiles)
    #expect(try clone.backups() == [clone.studentVersion])
  }

  @Test(
    "reset as the first command, with no kept skeleton and no git, refuses with exit code 3 and changes nothing"
  )
  func resetWithoutSkeleton() throws {
    let clone = try FreshClone()
    defer { clone.remove() }
    try clone.edit()
    let reset = try GraderBinary.run(["reset", "02", "--yes"], in: clone.root)
    // Not bad usage: the command is right, but the workbook lacks what it needs to carry it out.
    #expect(reset.code == 3, "\(reset.output)")
    #expect(reset.output.contains("kept copy of chapter 02's skeleton"), "\(reset.output)")
    #expect(try clone.text(of: clone.chapterFile) == clone.studentVersion)
    #expect(try clone.backups().isEmpty)
  }

  // Linux only: whether a noted process lives is read from /proc.
  #if os(Linux)
    @Test(
      "watch grades the chapter saved; Ctrl-C stops it, mid-grade, with exit code 130 and no process left")
    func watch() async throws {
      let session = try await onOwnThread { try WatchSession() }
      #expect(session.report.contains("Chapter 02 passes"), "\(session.output)")
      #expect(session.report.contains("02  Doubling"), "\(session.output)")
      #expect(!session.report.contains("01  Healthy"), "only the chapter saved is graded: \(session.output)")
      #expect(session.exitCode == 130, "\(session.output)")
      #expect(session.groupEmpty, "a process of the grader's group outlived it")
      #expect(session.suites > 0)
      #expect(session.survivors.isEmpty, "still alive after Ctrl-C: \(session.survivors)")
    }
  #endif

  // Linux only: the build's compilers are found in /proc.
  #if os(Linux)
    @Test(
      "Ctrl-C during a build stops it with exit code 130, leaving no compiler running and nothing in /tmp")
    func interruptedBuild() async throws {
      try await onOwnThread {
        let copy = try FixtureWorkbook.temporaryCopy(chapters: FixtureWorkbook.courseChapters)
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("interrupted-\(UUID())")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        defer {
          try? FileManager.default.removeItem(at: copy)
          try? FileManager.default.removeItem(at: temporary)
        }
        let grader = try RunningGrader([], in: copy, environment: ["TMPDIR": temporary.path])
        defer { grader.stop() }
        _ = try grader.waitFor("Building the exercises", deadline: Liveness.deadline)
        // A compiler of this build, found by the workbook's path on its command line.
        let compiling = BuildProcesses(of: copy)
        let clock = ContinuousClock()
        let limit = clock.now + Liveness.deadline
        while compiling.running.isEmpty && clock.now < limit { usleep(10_000) }
        #expect(!compiling.running.isEmpty, "no compiler of the build was seen")
        kill(grader.pid, SIGINT)
        let status = grader.exitStatus(deadline: Liveness.deadline)
        #expect(status.map { ($0 & 0x7f) == 0 ? ($0 >> 8) & 0xff : -1 } == 130, "\(grader.output)")
        #expect(compiling.running.isEmpty, "still running after Ctrl-C: \(compiling.running)")
        let left = try FileManager.default.contentsOfDirectory(atPath: temporary.path)
        #expect(left.isEmpty, "left in TMPDIR: \(left)")
      }
    }
  #endif

  @Test(
    "--help prints the usage and exits 0, wherever it stands",
    arguments: [["--help"], ["-h"], ["hint", "--help"]])
  func help(arguments: [String]) throws {
    let root = try FixtureWorkbook.temporaryCopy(chapters: FixtureWorkbook.courseChapters)
    defer { try? FileManager.default.removeItem(at: root) }
    let run = try GraderBinary.run(arguments, in: root)
    #expect(run.code == 0, "\(run.output)")
    #expect(run.output.hasPrefix("USAGE: ./grader"), "\(run.output)")
    #expect(run.output.contains("EXIT CODES:"), "\(run.output)")
  }

  @Test(
    "bad usage exits 2 and says what is wrong",
    arguments: [
      (["--bogus"], "Unknown option '--bogus'"),
      (["hint"], "hint needs a chapter"),
      (["reset", "99"], "there is no chapter '99'"),
      (["compare", "02", "--submission"], "--submission needs a value"),
      (["--csv", "grades.csv"], "--csv goes with --submissions DIR"),
    ])
  func badUsage(arguments: [String], message: String) throws {
    let root = try FixtureWorkbook.temporaryCopy(chapters: FixtureWorkbook.courseChapters)
    defer { try? FileManager.default.removeItem(at: root) }
    let run = try GraderBinary.run(arguments, in: root)
    #expect(run.code == 2, "\(run.output)")
    #expect(run.output.contains(message), "\(run.output)")
    #expect(run.output.hasPrefix("grader: "), "\(run.output)")
  }

  @Test("a folder that is not the workbook exits 3")
  func notAWorkbook() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-workbook-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = try GraderBinary.run(["hint", "02"], in: folder)
    #expect(run.code == 3, "\(run.output)")
    #expect(run.output.contains("is not the workbook"), "\(run.output)")
  }
}

// MARK: - Fixtures

/// A fresh copy of the two-chapter workbook, as a student's clone before the grader ever ran.
private struct FreshClone {
  let root: URL
  /// Chapter 02's code, which the student edits.
  let chapterFile = "Exercises/02-Failing/Failing.swift"
  let studentVersion = StudentCode.attempt
  /// Every file of chapter 02 as the skeleton has it, by name.
  let skeletonFiles: [String: String]

  init() throws {
    root = try FixtureWorkbook.temporaryCopy(chapters: FixtureWorkbook.courseChapters)
    var files: [String: String] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: root.path + "/Exercises/02-Failing") {
      files[name] = try String(
        contentsOf: root.appendingPathComponent("Exercises/02-Failing/\(name)"), encoding: .utf8)
    }
    skeletonFiles = files
  }

  func remove() {
    try? FileManager.default.removeItem(at: root)
  }

  func exists(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path)
  }

  func text(of path: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
  }

  /// The student's work on chapter 02.
  func edit() throws {
    try studentVersion.write(to: root.appendingPathComponent(chapterFile), atomically: true, encoding: .utf8)
  }

  /// Every file of chapter 02 as it is now, by name.
  func chapterFiles() throws -> [String: String] {
    var files: [String: String] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: root.path + "/Exercises/02-Failing") {
      files[name] = try text(of: "Exercises/02-Failing/\(name)")
    }
    return files
  }

  /// Chapter 02's code in each backup folder of `.grader/backups`.
  func backups() throws -> [String] {
    let folder = root.appendingPathComponent(".grader/backups")
    guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
    return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
      #expect(name.hasPrefix("02-Failing-"))
      return try text(of: ".grader/backups/\(name)/Failing.swift")
    }
  }

  /// Makes the copy a git repository with one commit, as a clone of the course's repository is.
  func commit() throws {
    let identity = [
      "-c", "user.name=Student", "-c", "user.email=student@example.com", "-c", "commit.gpgsign=false",
    ]
    for arguments in [["init", "-q"], ["add", "-A"], identity + ["commit", "-q", "-m", "The workbook"]] {
      let outcome = try Subprocess(
        executable: "git", arguments: ["-C", root.path] + arguments, deadline: Liveness.deadline
      ).run()
      try #require(
        outcome.termination == .exited(0), "git \(arguments.joined(separator: " ")): \(outcome.output)")
    }
  }
}

/// One `./grader watch` on the cached workbook, from its start to Ctrl-C, and what it left behind.
///
/// The first save makes chapter 02 pass, and the test waits for its report; the second makes it
/// hang, and Ctrl-C comes once its suite's process has noted itself in the workbook's
/// `processes/` folder, so the grader is stopped in the middle of a grade.
private struct WatchSession: Sendable {
  /// What the grader printed after the first save, up to its "Watching for your next save".
  let report: String
  /// Everything the grader printed, for the failure messages.
  let output: String
  /// Its exit code, nil if a signal ended it or it did not end.
  let exitCode: Int32?
  /// Whether no process was left in the grader's process group once it had ended.
  let groupEmpty: Bool
  /// How many suite processes the hanging grade started.
  let suites: Int
  /// The processes of the hanging grade still alive a liveness deadline after the grader ended.
  let survivors: [RecordedProcess]

  /// How long a save may take to be graded, a build included.
  static let gradeDeadline: Duration = .seconds(600)

  init() throws {
    let workbook = try FixtureWorkbook.course()
    defer { workbook.release() }
    let processLog = workbook.root.appendingPathComponent("processes")
    try? FileManager.default.removeItem(at: processLog)
    try FileManager.default.createDirectory(at: processLog, withIntermediateDirectories: true)
    let chapterFile = workbook.root.appendingPathComponent("Exercises/02-Failing/Failing.swift")

    let grader = try RunningGrader(
      ["watch", "--timeout", String(Int(Liveness.deadline.timeInterval))], in: workbook.root)
    defer { grader.stop() }
    let watching = try grader.waitFor("Watching Exercises/", deadline: Liveness.deadline)
    try FixtureWorkbook.text(of: "Solutions/02-Failing/Failing.swift")
      .write(to: chapterFile, atomically: true, encoding: .utf8)
    let reported = try grader.waitFor(
      "Watching for your next save", after: watching, deadline: Self.gradeDeadline)
    report = grader.output(from: watching, to: reported)

    try StudentCode.hangs.write(to: chapterFile, atomically: true, encoding: .utf8)
    let clock = ContinuousClock()
    let limit = clock.now + Self.gradeDeadline
    var recorded: [RecordedProcess] = []
    while recorded.isEmpty {
      guard clock.now < limit else {
        throw WatchError(waitingFor: "the hanging suite", output: grader.output)
      }
      usleep(10_000)
      recorded = try RecordedProcess.all(in: processLog).filter { $0.role == "suite Failing" }
    }
    kill(grader.pid, SIGINT)
    let status = grader.exitStatus(deadline: Liveness.deadline)
    exitCode = status.flatMap { ($0 & 0x7f) == 0 ? ($0 >> 8) & 0xff : nil }
    groupEmpty = status != nil && kill(-grader.pid, 0) == -1 && errno == ESRCH
    // Every process the hanging grade started, noted by now: its suite's and any child's.
    let started = try RecordedProcess.all(in: processLog)
    suites = started.filter { $0.role == "suite Failing" }.count
    var alive = started
    let aliveLimit = clock.now + Liveness.deadline
    while !alive.isEmpty && clock.now < aliveLimit {
      alive.removeAll(where: \.isGone)
      if !alive.isEmpty { usleep(10_000) }
    }
    survivors = alive
    for process in survivors { process.terminate() }
    output = grader.output
  }
}

/// A wait for the grader's output that reached its deadline.
private struct WatchError: Error, CustomStringConvertible {
  let waitingFor: String
  let output: String

  var description: String { "no \(waitingFor) before the deadline; the grader printed:\n\(output)" }
}

/// The grader program, started in the background in a process group of its own, its standard
/// output and error read as they come.
// `@unchecked Sendable`: `text` is read and written only while `condition` is locked.
private final class RunningGrader: @unchecked Sendable {
  let pid: pid_t
  private let condition = NSCondition()
  private var text = ""
  /// Waits for the grader to end, and reaps it.
  private let reaper: BackgroundCall<Int32>

  init(_ arguments: [String], in root: URL, environment: [String: String] = [:]) throws {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
    // Close-on-exec, so that no other child holds the pipe; the grader gets it as its output.
    _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
    defer { close(ends[1]) }
    let started: Subprocess.Started
    do {
      started = try Subprocess(
        executable: GraderBinary.url.path, arguments: arguments,
        environment: environment.merging(["GRADER_ROOT": root.path]) { _, new in new }
      ).start(output: ends[1])
    } catch {
      close(ends[0])
      throw error
    }
    let pid = started.pid
    self.pid = pid
    reaper = BackgroundCall {
      var status: Int32 = 0
      while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
      return status
    }
    let readEnd = ends[0]
    Thread { [self] in
      var buffer = [UInt8](repeating: 0, count: 4_096)
      while true {
        let count = read(readEnd, &buffer, buffer.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        condition.lock()
        text += String(decoding: buffer[0..<count], as: UTF8.self)
        condition.broadcast()
        condition.unlock()
      }
      close(readEnd)
    }.start()
  }

  var output: String {
    condition.lock()
    defer { condition.unlock() }
    return text
  }

  /// Waits until `expected` shows in the output after its first `start` bytes; returns the
  /// number of bytes up to its end.
  func waitFor(_ expected: String, after start: Int = 0, deadline: Duration) throws -> Int {
    let limit = Date(timeIntervalSinceNow: deadline.timeInterval)
    condition.lock()
    defer { condition.unlock() }
    while true {
      let bytes = Array(text.utf8)
      if let end = Self.end(of: Array(expected.utf8), in: bytes, from: start) { return end }
      guard Date() < limit else { throw WatchError(waitingFor: "\"\(expected)\"", output: text) }
      _ = condition.wait(until: limit)
    }
  }

  /// The output from byte `start` to byte `end`.
  func output(from start: Int, to end: Int) -> String {
    String(decoding: Array(output.utf8)[start..<end], as: UTF8.self)
  }

  private static func end(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
    guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
    for offset in start...(haystack.count - needle.count)
    where haystack[offset..<(offset + needle.count)].elementsEqual(needle) {
      return offset + needle.count
    }
    return nil
  }

  /// The grader's wait status once it has ended; nil if it was still running at the deadline.
  func exitStatus(deadline: Duration) -> Int32? {
    try? reaper.result(deadline: deadline)?.get()
  }

  /// Kills whatever is left of the grader's group, and reaps the grader.
  func stop() {
    kill(-pid, SIGKILL)
    _ = reaper.result()
  }
}

/// The processes whose command line names a workbook's folder: its build's compilers.
private struct BuildProcesses {
  let workbook: URL

  init(of workbook: URL) {
    self.workbook = workbook
  }

  var running: [pid_t] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return names.compactMap { name -> pid_t? in
      guard let pid = pid_t(name), pid != getpid(),
        let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"),
        String(decoding: data, as: UTF8.self).contains(workbook.path),
        // A zombie has exited; only its parent's wait is missing.
        let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
        !(stat.split(separator: ")").last?.hasPrefix(" Z") ?? true)
      else { return nil }
      return pid
    }
  }
}

extension StudentCommandTests {
  @Test(
    "./grader 02 --trace writes each test's trace under .grader/traces/02/ and says where; --solutions --trace writes the reference's in reference/"
  )
  func traces() async throws {
    let (student, reference) = try await onOwnThread {
      let workbook = try FixtureWorkbook.course()
      defer { workbook.release() }
      let folder = workbook.root.appendingPathComponent(".grader/traces/02")
      try? FileManager.default.removeItem(at: folder)
      let student = try runCommand(["02", "--trace"], in: workbook.root)
      let studentTrace = try? String(
        contentsOf: folder.appendingPathComponent("double-21.json"), encoding: .utf8)
      let reference = try runCommand(["02", "--solutions", "--trace"], in: workbook.root)
      let referenceTrace = try? String(
        contentsOf: folder.appendingPathComponent("reference/double-21.json"), encoding: .utf8)
      return (
        (student.code, student.printed, studentTrace), (reference.code, reference.printed, referenceTrace)
      )
    }
    #expect(student.0 == 1, "the skeleton fails")
    #expect(student.1.contains("Traces: 1 of your test timelines in .grader/traces/02/"), "\(student.1)")
    #expect(student.1.contains("https://ui.perfetto.dev"), "\(student.1)")
    #expect(
      student.2?.contains("double(21) = 42\"") == false, "the skeleton's own run: \(student.2 ?? "no trace")")
    #expect(reference.0 == 0, "\(reference.1)")
    #expect(reference.2?.contains("double(21) = 42\"") == true, "\(reference.2 ?? "no trace")")
    #expect(
      reference.1.contains("Traces: 1 of the reference's test timelines in .grader/traces/02/reference/"),
      "\(reference.1)")
  }
}
