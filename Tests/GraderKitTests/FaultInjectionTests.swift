import Foundation
import Synchronization
import Testing
import WorkbookTestSupport

@testable import GraderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The grader against everything a student can write: one grade of a workbook of broken chapters.
///
/// The workbook is `Tests/GraderFixtures`: a healthy chapter, a failing one, and a chapter for
/// each fault. Every test reads the same grade (`FaultRun.shared()`), made once with one build,
/// so each fault is graded beside all the others, as a student's workbook would be.
@Suite("Grader · fault injection")
struct FaultInjectionTests {
  @Test("a healthy chapter passes beside every fault")
  func healthy() async throws {
    let chapter = try await FaultRun.shared().chapter("01")
    #expect(chapter.status == .passed, "\(chapter.message ?? "")")
    #expect(chapter.passed == 2 && chapter.total == 2)
  }

  @Test("a failing chapter fails beside every fault, at its failed expectation")
  func failing() async throws {
    let run = try await FaultRun.shared()
    let chapter = try run.chapter("02")
    let file = "Tests/FailingTests/FailingTests.swift"
    #expect(chapter.status == .failed)
    #expect(chapter.passed == 1 && chapter.total == 2)
    let failure = try #require(chapter.failures.first)
    #expect(chapter.failures.count == 1)
    #expect(failure.test == "double(21) is 42")
    #expect(failure.file == file)
    #expect(failure.line == (try run.markedLine(in: file)))
  }

  @Test(
    "two chapters that do not compile each show the compiler's first error, at file:line",
    arguments: [
      ("03", "Exercises/03-BrokenCode/BrokenCode.swift"),
      ("04", "Tests/BrokenSuiteTests/BrokenSuiteTests.swift"),
    ])
  func doesNotCompile(id: String, file: String) async throws {
    let run = try await FaultRun.shared()
    let chapter = try run.chapter(id)
    #expect(chapter.status == .doesNotCompile)
    // Its tests still count, none passed: the list comes from the pristine suite, not a run.
    #expect(
      chapter.passed == 0 && chapter.total == ExpectedTests.names(in: run.testsFolder(of: chapter)).count)
    #expect(chapter.total > 0)
    let firstError = try #require(chapter.message?.split(separator: "\n").first.map(String.init))
    #expect(firstError.hasPrefix("\(file):\(try run.markedLine(in: file)):"), "first error: \(firstError)")
    #expect(firstError.contains(": error: "))
  }

  @Test(
    "a trap is a crash, with its signal, the runtime's reason and the test that was running",
    arguments: [
      ("05", "a word calls fatalError", "Fatal error: no port in 'http'"),
      (
        "06", "odd numbers only unwrap nil",
        "Fatal error: Unexpectedly found nil while unwrapping an Optional value"
      ),
      ("07", "the last of 1, 2, 3 is 3", "Fatal error: Index out of range"),
    ])
  func trap(id: String, test: String, reason: String) async throws {
    let chapter = try await FaultRun.shared().chapter(id)
    let message = chapter.message ?? ""
    #expect(chapter.status == .crashed, "\(message)")
    // Swift traps with an illegal instruction on x86_64 and a breakpoint on arm64.
    #expect(message.contains("SIGILL") || message.contains("SIGTRAP"), "\(message)")
    #expect(message.contains(reason), "\(message)")
    expectOnlyRunning(test, in: chapter)
  }

  @Test(
    "a trap in the student's file names that file's line and the call it was making",
    arguments: [
      ("06", "Exercises/06-ForceUnwrap/ForceUnwrap.swift", "firstEven(in:)"),
      ("07", "Exercises/07-OutOfBounds/OutOfBounds.swift", "lastElement(of:)"),
    ])
  func trapSite(id: String, file: String, function: String) async throws {
    let run = try await FaultRun.shared()
    let message = try run.chapter(id).message ?? ""
    #expect(message.contains(" at \(file):\(try run.markedLine(in: file)) in \(function)"), "\(message)")
    #expect(!message.contains("_assertionFailure"), "\(message)")
  }

  @Test(
    "a deadlock's message says where each thread waited, and for a lock",
    arguments: [
      ("09", "Tests/LockOrderTests/LockOrderTests.swift", "oppositeTransfers()"),
      ("10", "Tests/RelockTests/RelockTests.swift", "RelockTests."),
    ])
  func deadlockSite(id: String, file: String, function: String) async throws {
    let message = try await FaultRun.shared().chapter(id).message ?? ""
    #if os(Linux)
      // The Swift runtime prints every thread's backtrace on SIGQUIT on Linux only.
      let sites = message.split(separator: "\n").filter { $0.contains("waiting for a lock") }
      #expect(
        sites.contains { $0.contains(file) && $0.contains(function) }
          || sites.contains { $0.contains("Exercises/") },
        "\(message)")
    #endif
  }

  @Test("a segmentation fault is a crash, with SIGSEGV and the test that was running")
  func segmentationFault() async throws {
    let chapter = try await FaultRun.shared().chapter("08")
    let message = chapter.message ?? ""
    #expect(chapter.status == .crashed, "\(message)")
    #expect(message.contains("SIGSEGV") || message.contains("SIGBUS"), "\(message)")
    expectOnlyRunning("a write through a bad pointer", in: chapter)
  }

  @Test(
    "a deadlock times out, naming the test that was running",
    arguments: [
      ("09", "two transfers in opposite directions at once"), ("10", "addTwo() takes the lock it holds"),
    ])
  func deadlock(id: String, test: String) async throws {
    let chapter = try await FaultRun.shared().chapter(id)
    #expect(chapter.status == .timedOut, "\(chapter.message ?? "")")
    expectOnlyRunning(test, in: chapter)
  }

  @Test(
    "an endless busy loop or an endless sleep times out, naming the test that was running",
    arguments: [("11", "counting until negative"), ("12", "waiting for a wake-up call")])
  func endless(id: String, test: String) async throws {
    let chapter = try await FaultRun.shared().chapter(id)
    #expect(chapter.status == .timedOut, "\(chapter.message ?? "")")
    expectOnlyRunning(test, in: chapter)
  }

  @Test("a test that prints 100 MiB is graded as usual, and neither the grade nor the grader keeps the flood")
  func flood() async throws {
    let run = try await FaultRun.shared()
    let chapter = try run.chapter("13")
    let file = "Tests/FloodTests/FloodTests.swift"
    #expect(chapter.status == .failed, "\(chapter.message ?? "")")
    #expect(chapter.tests.first { $0.name == "printing 100 MiB still passes" }?.passed == true)
    #expect(chapter.failures.map(\.test) == ["shouting capitalizes"])
    #expect(chapter.failures.first?.line == (try run.markedLine(in: file)))
    // Each chapter keeps at most the head and the tail of its output.
    for result in run.grade.chapters {
      #expect(
        (result.output?.utf8.count ?? 0) <= 2 * 64 * 1024 + 200, "chapter \(result.id) kept too much output")
    }
    // Well under the 100 MiB printed: a grader that kept the flood would grow by more.
    #expect(
      run.memoryGrowth < 64 << 20,
      "the grading process grew by \(run.memoryGrowth >> 20) MiB while it graded")
  }

  @Test("children left running and a thread that never ends don't keep a passing chapter from passing")
  func leftovers() async throws {
    let run = try await FaultRun.shared()
    let chapter = try run.chapter("14")
    #expect(chapter.status == .passed, "\(chapter.message ?? "")")
    #expect(chapter.passed == 2 && chapter.total == 2)
    #expect(run.processes.filter { $0.role == "child Leftovers" }.count == 3)
  }

  @Test("exit(0) in the middle of a test is a crash, never a pass")
  func exitZero() async throws {
    let chapter = try await FaultRun.shared().chapter("15")
    #expect(chapter.status == .crashed, "\(chapter.message ?? "")")
    #expect(chapter.tests.first { $0.name == "exit(0) in the middle of a test" }?.passed == false)
    expectOnlyRunning("exit(0) in the middle of a test", in: chapter)
  }

  @Test("a report rewritten at exit by the code under test is never read: the wrong answer fails")
  func forgedReport() async throws {
    let chapter = try await FaultRun.shared().chapter("16")
    #expect(chapter.status == .failed, "\(chapter.message ?? "")")
    #expect(chapter.passed == 0 && chapter.total == 1)
  }

  @Test("exercise code that imports the test library is refused, its tests counted and failed")
  func testingImport() async throws {
    let run = try await FaultRun.shared()
    let chapter = try run.chapter("17")
    let file = "Exercises/17-TestingImport/TestingImport.swift"
    #expect(chapter.status == .refused)
    #expect(chapter.passed == 0 && chapter.total == 1)
    let message = chapter.message ?? ""
    #expect(message.hasPrefix("\(file):\(try run.markedLine(in: file)) imports Testing"), "\(message)")
  }

  @Test("a cancelled or skipped test is never passed, whatever else its run reports")
  func cancelledIsNotPassed() {
    for kind in ["testCancelled", "testSkipped", "testCaseCancelled"] {
      let run = SuiteRun(
        jsonLines: Data(
          [
            #"{"kind":"test","payload":{"id":"A.A/one()","kind":"function","name":"one()","displayName":"one","sourceLocation":{"line":1}}}"#,
            #"{"kind":"event","payload":{"kind":"testStarted","testID":"A.A/one()"}}"#,
            #"{"kind":"event","payload":{"kind":"\#(kind)","testID":"A.A/one()"}}"#,
            #"{"kind":"event","payload":{"kind":"testEnded","testID":"A.A/one()"}}"#,
            #"{"kind":"event","payload":{"kind":"runEnded"}}"#,
          ].joined(separator: "\n").utf8))
      #expect(run.wasSkippedOrCancelled(run.tests[0]), "\(kind)")
    }
  }

  // Linux only: the subreaper that adopts them is Linux's (prctl), and /proc tells whether they live.
  #if os(Linux)
    @Test("children that leave their process group in every way are found and killed with their suite")
    func escapees() async throws {
      let run = try await FaultRun.shared()
      let chapter = try run.chapter("18")
      #expect(chapter.status == .passed, "\(chapter.message ?? "")")
      #expect(run.processes.filter { $0.role == "child Escapees" }.count == 9)
      let escaped = run.survivors.filter { $0.role == "child Escapees" }
      #expect(escaped.isEmpty, "still alive after the grade: \(escaped)")
    }
  #endif

  // Linux only: the address-space cap is Linux's (prlimit); macOS has none.
  #if os(Linux)
    @Test("a test that allocates 8 GiB crashes its chapter alone, out of memory")
    func memoryHog() async throws {
      let chapter = try await FaultRun.shared().chapter("19")
      #expect(chapter.status == .crashed)
      #expect(chapter.message?.hasPrefix("out of memory") == true, "\(chapter.message ?? "")")
    }
  #endif

  @Test("the suites end within chapters × deadline / jobs of the build, and every chapter gets a result")
  func duration() async throws {
    let run = try await FaultRun.shared()
    #expect(run.grade.chapters.map(\.id) == (1...19).map { String(format: "%02d", $0) })
    let ran = run.grade.chapters.filter { ![.doesNotCompile, .refused].contains($0.status) }.count
    #expect(ran == 16)
    let bound = FaultRun.deadline * ran / FaultRun.jobs
    #expect(
      run.suitesTime <= bound,
      "the suites took \(run.suitesTime), more than \(bound), after a build of \(run.buildTime)")
  }

  // Linux only: whether a noted process lives is read from /proc.
  #if os(Linux)
    @Test("no process that a suite started is alive after the grade")
    func noProcessLeft() async throws {
      let run = try await FaultRun.shared()
      let suites = Set(run.processes.filter { $0.role.hasPrefix("suite ") }.map(\.role))
      let ran = run.grade.chapters.filter { ![.doesNotCompile, .refused].contains($0.status) }.map {
        "suite \($0.module)"
      }
      #expect(suites == Set(ran), "every suite that ran notes its process")
      #expect(run.survivors.isEmpty, "still alive after the grade: \(run.survivors)")
    }
  #endif

  @Test("a suite's output reaches its end while a slower suite started beside it still runs")
  func pipesStayPrivate() throws {
    // Both start at once, many times: a child that inherited the other's pipe would hold it open
    // until it is released, which happens only after the quick one has returned its output.
    for _ in 0..<20 {
      let release = FileManager.default.temporaryDirectory.appendingPathComponent("release-\(UUID())")
      defer { try? FileManager.default.removeItem(at: release) }
      let quickOutput = Mutex("")
      DispatchQueue.concurrentPerform(iterations: 2) { index in
        if index == 0 {
          let output = (try? Subprocess(executable: "/bin/sh", arguments: ["-c", "echo quick"]).run())?.output
          quickOutput.withLock { $0 = output ?? "(could not start)" }
          _ = FileManager.default.createFile(atPath: release.path, contents: nil)
        } else {
          let wait = "while [ ! -e '\(release.path)' ]; do sleep 0.01; done"
          _ = try? Subprocess(executable: "/bin/sh", arguments: ["-c", wait], deadline: Liveness.deadline)
            .run()
        }
      }
      let output = quickOutput.withLock { $0 }
      try #require(output == "quick\n", "the quick child's output was \(output.debugDescription)")
    }
  }
}

/// Expects that the chapter's message names `test` as the one running, and names no other test.
private func expectOnlyRunning(
  _ test: String, in chapter: ChapterResult, sourceLocation: SourceLocation = #_sourceLocation
) {
  let message = chapter.message ?? ""
  #expect(message.contains("while running \"\(test)\""), "\(message)", sourceLocation: sourceLocation)
  for other in chapter.tests.map(\.name) where other != test {
    #expect(!message.contains("\"\(other)\""), "\(message)", sourceLocation: sourceLocation)
  }
  #expect(
    chapter.tests.first { $0.name == test }?.passed == false, "\"\(test)\" counted as passed",
    sourceLocation: sourceLocation)
}

// MARK: - Fixtures

/// One grade of the fixture workbook, and what the grading cost: time, memory and processes left.
///
/// The workbook is the cached copy of `Tests/GraderFixtures` in `.build-fault-injection/workbook`
/// (`FixtureWorkbook`), built there, so a second run rebuilds only what changed. It is graded
/// through a symbolic link, as a workbook under macOS's `/var` (really `/private/var`) would be,
/// since the compiler names files by their real path.
private struct FaultRun: Sendable {
  /// Short, so the four chapters that hang cost 20 seconds; a healthy suite ends long before it.
  static let deadline: Duration = .seconds(10)
  static let jobs = 2

  let grade: Grade
  let buildTime: Duration
  let suitesTime: Duration
  /// How far the grading process's peak memory rose above where it was before the grade.
  let memoryGrowth: Int
  /// Every process a fixture suite noted: its own and its children.
  let processes: [RecordedProcess]
  /// The noted processes still alive a liveness deadline after the grade (then killed).
  let survivors: [RecordedProcess]
  private let fixtures: URL

  func chapter(_ id: String) throws -> ChapterResult {
    try #require(grade.chapters.first { $0.id == id }, "chapter \(id) has no result")
  }

  /// The folder of a chapter's tests, in the fixtures.
  func testsFolder(of chapter: ChapterResult) -> URL {
    fixtures.appendingPathComponent("Tests/\(chapter.module)Tests")
  }

  /// The line of `path`, in the fixtures, that ends with the comment `// grader points here`.
  func markedLine(in path: String) throws -> Int {
    let text = try String(contentsOf: fixtures.appendingPathComponent(path), encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let index = try #require(
      lines.firstIndex { $0.hasSuffix("// grader points here") }, "no marked line in \(path)")
    return index + 1
  }

  // The grade blocks for a minute or more, on a thread of its own.
  private static let once = Task { try await onOwnThread { try FaultRun() } }

  /// The one grade every test reads; the first test to ask starts it.
  static func shared() async throws -> FaultRun {
    try await once.value
  }

  private init() throws {
    fixtures = FixtureWorkbook.fixtures
    let workbook = try FixtureWorkbook(cachedAs: "fault-injection")
    defer { workbook.release() }
    let (cache, copy) = (workbook.cache, workbook.root)
    let processLog = copy.appendingPathComponent("processes")
    try? FileManager.default.removeItem(at: processLog)
    try FileManager.default.createDirectory(at: processLog, withIntermediateDirectories: true)
    let link = cache.appendingPathComponent("linked-workbook")
    try? FileManager.default.removeItem(at: link)
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: copy)

    // As `./grader` does: processes that leave their group are handed to this process.
    ChildProcesses.adoptOrphans()
    var grader = Grader(workbook: try Workbook(root: link), sources: .exercises)
    grader.deadline = Self.deadline
    grader.jobs = Self.jobs
    grader.log = { _ in }
    let baseline = PeakMemory.reset()
    let clock = ContinuousClock()
    let start = clock.now
    // Grader.grade() is build() then run(); called apart, each half is timed on its own.
    let build = try grader.build()
    let built = clock.now
    grade = grader.run(grader.workbook.chapters, on: build, seed: grader.seed)
    suitesTime = clock.now - built
    buildTime = built - start
    memoryGrowth = PeakMemory.peak() - baseline

    processes = try RecordedProcess.all(in: processLog)
    var alive = processes
    let limit = clock.now + Liveness.deadline
    while !alive.isEmpty && clock.now < limit {
      alive.removeAll(where: \.isGone)
      if !alive.isEmpty { usleep(10_000) }
    }
    survivors = alive
    // The test fails on survivors; they are killed all the same, so that none outlives it.
    for process in survivors { process.terminate() }
  }
}

/// The grading process's own peak memory, in bytes.
private enum PeakMemory {
  /// Starts a new peak from the current memory, and returns it.
  static func reset() -> Int {
    #if os(Linux)
      // Writing 5 to clear_refs resets the peak (VmHWM) to the current size (VmRSS).
      _ = try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
      return statusField("VmRSS")
    #else
      return peak()
    #endif
  }

  /// The peak since the last reset.
  static func peak() -> Int {
    #if os(Linux)
      return statusField("VmHWM")
    #else
      var usage = rusage()
      getrusage(RUSAGE_SELF, &usage)
      return Int(usage.ru_maxrss)  // bytes on Darwin
    #endif
  }

  private static func statusField(_ name: String) -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("\(name):") }
    let kilobytes = line?.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    return kilobytes * 1024
  }
}
