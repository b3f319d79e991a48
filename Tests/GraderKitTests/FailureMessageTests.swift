import Foundation
import Testing

@testable import GraderKit

/// What a student reads when a chapter fails, crashes or hangs: their own line first, in words.
@Suite("Grader · failure messages")
struct FailureMessageTests {
  @Test("a crash's backtrace gives the frame in the student's file and the call it was making")
  func crashSite() throws {
    let backtrace = Backtrace(output: Self.crash, root: "/w")
    let thread = try #require(backtrace.crashedThread)
    let site = try #require(thread.studentFrame())
    #expect(
      site.frame == .init(symbol: "Worker.run(_:)", file: "Exercises/09-ProcessPool/Worker.swift", line: 150))
    #expect(site.callee?.symbol == "Process.terminationReason.getter")
    #expect(site.frame.place == "Exercises/09-ProcessPool/Worker.swift:150 in Worker.run(_:)")
  }

  @Test("a trap's own machinery is never named as the call the student made")
  func trapMachinery() throws {
    let backtrace = Backtrace(output: Self.trap, root: "/w")
    let site = try #require(backtrace.crashedThread?.studentFrame())
    #expect(site.frame.file == "Exercises/07-OutOfBounds/OutOfBounds.swift")
    #expect(site.callee?.symbol == "Array.subscript.getter")
  }

  @Test("a hang's thread dump says where each student thread waits, and what for, once a place")
  func hangSites() {
    let backtrace = Backtrace(output: Self.hang, root: "/w")
    #expect(backtrace.threads.map(\.frames.count) == [1, 3, 3, 1, 3])
    #expect(
      backtrace.threads.last?.frames.last?.file == ".build/tmp/swift-generated-sources/@__swiftmacro_1.swift")
    #expect(
      backtrace.hangSites() == [
        "Exercises/03-RaceConditions/SafeBankAccount.swift:41 in SafeBankAccount.transfer(_:to:), calling NSLock.lock(): waiting for a lock",
        "Exercises/03-RaceConditions/SafeBankAccount.swift:12 in SafeBankAccount.spin(): running its own code (an endless loop?)",
        "Tests/RaceConditionsTests/RaceConditionsTests.swift:41 in RaceConditionsTests.waits(): waiting to be woken",
      ])
  }

  @Test("the test's own words come first, the expanded expression below, without unknown contexts")
  func commentsFirst() {
    let message = FailureText.message(
      expectation:
        "Expectation failed: !(gate → ProcessPoolTests.(unknown context at $55d1c2a4e0f0).WorkerGate).isBroken",
      comments: ["the child still ran a whole deadline after cancellation"])
    #expect(
      message == """
        the child still ran a whole deadline after cancellation
        Expectation failed: !gate.isBroken
        """)
  }

  @Test("a test helper's type name never shows in a message: the value that is only a type is dropped")
  func noTypeNames() {
    let message = FailureText.message(
      expectation:
        "Expectation failed: (scraping → WorkbookTestSupport.BackgroundCall<Swift.Dictionary<FoundationEssentials.URL, ConcurrentScraperGiven.ScrapeResult>>).result() → nil",
      comments: ["scrape never returned"])
    #expect(message == "scrape never returned\nExpectation failed: scraping.result() → nil")
    #expect(!message.contains("BackgroundCall"))
    #expect(
      FailureText.withoutTypeNames(
        "Expectation failed: (running → WorkbookTestSupport.BackgroundCall<()>).result() → nil")
        == "Expectation failed: running.result() → nil")
    #expect(
      FailureText.withoutTypeNames(
        "(pair → WorkbookTestSupport.BackgroundCall<(Swift.Int, Swift.String)>).result()")
        == "pair.result()")
    // Values that are values stay: numbers, strings, a struct with its fields, a bare enum case.
    let kept = "Expectation failed: (count → 3) == (page → Page(status: 200)) && (state → idle)"
    #expect(FailureText.withoutTypeNames(kept) == kept)
  }

  @Test("a long list is cut to its first five elements and a count; short and nested lists stay")
  func longLists() {
    let long = "[" + (1...1000).map(String.init).joined(separator: ", ") + "]"
    #expect(FailureText.shorteningLists("got \(long)") == "got [1, 2, 3, 4, 5, … 995 more]")
    #expect(
      FailureText.shorteningLists("[[1, 2], [3]] and f(1, 2, 3, 4, 5, 6, 7, 8, 9)")
        == "[[1, 2], [3]] and f(1, 2, 3, 4, 5, 6, 7, 8, 9)")
    #expect(FailureText.shorteningLists(#"["a, b", "c"]"#) == #"["a, b", "c"]"#)
  }

  @Test("a crash or a hang names the tests running when they are few, and counts them when many")
  func runningTests() {
    let tests = (1...5).map {
      SuiteRun.Test(id: "T/\($0)", displayName: "test \($0)", file: "T.swift", line: $0)
    }
    #expect(SuiteRunner.during([]) == "")
    #expect(SuiteRunner.during(Array(tests.prefix(1))) == #" while running "test 1""#)
    #expect(SuiteRunner.during(tests) == " while 5 tests were running")
  }

  @Test("the table of every chapter lists the failures of the next chapter only, a hand-in's all of them")
  func nextChapterOnly() {
    let chapters = ["01", "02", "03"].map { id in
      ChapterResult(
        id: id, title: "Chapter \(id)", module: "M\(id)", status: id == "01" ? .passed : .failed, passed: 0,
        total: 1, message: nil,
        failures: [
          .init(test: "test of \(id)", message: "broken \(id)", file: "Tests/M\(id)Tests/T.swift", line: 3)
        ],
        tests: [.init(name: "test of \(id)", passed: id == "01")], output: nil, maxScore: 10)
    }
    let grade = Grade(sources: .exercises, seed: 1, chapters: chapters)
    let table = Report(usesColor: false, isDetailed: false).render(grade)
    #expect(table.contains("✘ test of 02"))
    #expect(!table.contains("✘ test of 03"), "\(table)")
    #expect(table.contains("Next: chapter 02"))
    let one = Report(usesColor: false, isDetailed: true).render(
      Grade(sources: .exercises, seed: 1, chapters: [chapters[2]]))
    #expect(one.contains("✘ test of 03") && one.contains("broken 03"))
    var handIn = grade
    handIn.student = "ada"
    let instructors = Report(usesColor: false, isDetailed: false).render(handIn)
    #expect(instructors.contains("✘ test of 02") && instructors.contains("✘ test of 03"), "\(instructors)")
  }

  @Test("a hint is shown as plain text: no heading marks, fences, bullets' dashes, bold or code marks")
  func plainHints() {
    let markdown = """
      ## Where to look
      - Read **the lesson**, section `Locks`.
      ```swift
      let x = 1
      ```
      See [the guide](https://example.com).
      """
    #expect(
      Hints.plainText(markdown) == """
        Where to look
        • Read the lesson, section Locks.
            let x = 1
        See the guide (https://example.com).
        """)
  }
}

// MARK: - Fixtures

extension FailureMessageTests {
  /// The crash the issue reports, as the Swift runtime prints it on Linux.
  static let crash = """
    *** Program crashed: Illegal instruction at 0x00007f8fff76df7f ***

    Thread 0 "ConcurrencyWork":

      0  0x00007f8ffe314545 clock_nanosleep@@GLIBC_2.17 + 101 in libc.so.6

    Thread 3 crashed:

      0      0x00007f8fff76df7f closure #1 in closure #1 in _assertionFailure(_:_:file:line:flags:) + 623 in libswiftCore.so
      1 [ra] 0x00007f8fff8f961f _assertionFailure(_:_:file:line:flags:) + 302 in libswiftCore.so
      2 [ra] 0x00007f8ffff0af65 Process.terminationReason.getter + 84 in libFoundation.so
      3 [ra] 0x000055b6b31931a1 Worker.run(_:) + 32 in ConcurrencyWorkbookPackageTests.xctest at /w/Exercises/09-ProcessPool/Worker.swift:150:20
      4 [ra] 0x000055b6b319301b ProcessPoolTests.runReturnsTheExactSum() + 90 in ConcurrencyWorkbookPackageTests.xctest at /w/Tests/ProcessPoolTests/ProcessPoolTests.swift:42:24
    ...

    Registers:

    rax 0x0000000000000000  0
    """

  static let trap = """
    Thread 1 crashed:

      0      0x00007f8fff76df7f closure #1 in closure #1 in _assertionFailure(_:_:file:line:flags:) + 623 in libswiftCore.so
      1 [ra] 0x00007f8fff8f961f _assertionFailure(_:_:file:line:flags:) + 302 in libswiftCore.so
      2 [ra] 0x00007f8ffff0af65 specialized Array.subscript.getter + 84 in libswiftSwiftOnoneSupport.so
      3 [ra] 0x000055b6b31931a1 lastElement(of:) + 32 in x.xctest at /w/Exercises/07-OutOfBounds/OutOfBounds.swift:3:3
    """

  static let hang = """
    Thread 0 "main" crashed:

      0  0x00007f4a19acaf16 __futex_abstimed_wait_common + 198 in libc.so.6

    Thread 4:

      0      0x00007f4a19acb12b __lll_lock_wait + 43 in libc.so.6
      1 [ra] 0x00007f4a1a9795f9 NSLock.lock() + 24 in libFoundation.so
      2 [ra] 0x0000561342af1e79 SafeBankAccount.transfer(_:to:) + 8 in x.xctest at /w/Exercises/03-RaceConditions/SafeBankAccount.swift:41:18

    Thread 5:

      0      0x00007f4a19acb12b __lll_lock_wait + 43 in libc.so.6
      1 [ra] 0x00007f4a1a9795f9 NSLock.lock() + 24 in libFoundation.so
      2 [ra] 0x0000561342af1e79 SafeBankAccount.transfer(_:to:) + 8 in x.xctest at /w/Exercises/03-RaceConditions/SafeBankAccount.swift:41:18

    Thread 6:

      0      0x0000561342af1e79 SafeBankAccount.spin() + 8 in x.xctest at /w/Exercises/03-RaceConditions/SafeBankAccount.swift:12:5

    Thread 7:

      0      0x00007f4a19acb12b pthread_cond_wait + 43 in libc.so.6
      1 [ra] 0x0000561342af1e79 RaceConditionsTests.waits() + 8 in x.xctest at /w/Tests/RaceConditionsTests/RaceConditionsTests.swift:41:18
      2 [async] [thunk]  0x000055b1a8446cd0 static RaceConditionsTests.$s19RaceConditions@Sendable () in x.xctest at .build/tmp/swift-generated-sources/@__swiftmacro_1.swift:7
    """
}
