import Foundation
import Testing

@testable import GraderKit

/// The race check of a plain grade: what a student reads when ThreadSanitizer saw their shared
/// structure race, and when the check runs at all.
@Suite("Grader · race checks")
struct RaceCheckTests {
  @Test("a race fails the race tests with one sentence: both accesses' lines, and the lesson's rule")
  func dataRaceMessage() throws {
    let races = RaceReport.parse(unlockedResultsLog)
    var result = plainRun(status: .passed)
    result.record(races, in: [raceTest, otherRaceTest], check: scraperCheck, root: root)

    let sentence =
      "a write at Scraper.swift:53 in scrape(_:timeout:) raced with a write at the same line on another"
      + " thread, with no lock between them: every thread stores its result in the dictionary under the"
      + " lock (lesson: \"Sharing the results\")"
    #expect(result.status == .dataRace)
    #expect(result.message == sentence)
    #expect(result.failures.map(\.test) == [raceTest, otherRaceTest])
    let failure = try #require(result.failures.first)
    #expect(failure.message == "data race: " + sentence)
    #expect(failure.file == "Exercises/05-ConcurrentScraper/Scraper.swift" && failure.line == 53)
    // The tests that are not race tests keep the plain run's results.
    #expect(result.tests.map(\.passed) == [false, false, true])
    #expect(result.passed == 1)
  }

  @Test("a crash's own words stay below the race's, and a hang is not called a race")
  func crashAndHang() {
    let races = RaceReport.parse(unlockedResultsLog)
    var crashed = plainRun(status: .crashed, message: "crashed with SIGSEGV (signal 11)")
    crashed.record(races, in: [raceTest], check: scraperCheck, root: root)
    #expect(crashed.status == .dataRace)
    #expect(crashed.message?.hasPrefix("a write at Scraper.swift:53") == true)
    #expect(crashed.message?.hasSuffix("\ncrashed with SIGSEGV (signal 11)") == true)

    var hung = plainRun(status: .timedOut, message: "no result after 120 s")
    hung.record(races, in: [raceTest], check: scraperCheck, root: root)
    #expect(hung.status == .timedOut && hung.message == "no result after 120 s")
  }

  @Test("a clean check leaves the plain run's result as it was")
  func cleanCheck() {
    var result = plainRun(status: .passed)
    result.record([], in: [raceTest], check: scraperCheck, root: root)
    #expect(result.status == .passed && result.failures.isEmpty && result.passed == 3)
  }

  @Test("ThreadSanitizer's exit code 66 is never tampering, nor an exit() in a test")
  func exitCode66() throws {
    let runner = try suiteRunner(detectsRaces: true)
    let finished = SuiteRun(jsonLines: stream(finishedRecords + [runEnded]))
    let races = RaceReport.parse(unlockedResultsLog)
    let outcome = Subprocess.Outcome(termination: .exited(RaceReport.exitCode), output: "")
    let result = runner.result(
      for: chapter, expected: ["one"], run: finished, outcome: outcome, deadline: .seconds(9),
      overflowed: false, races: races)
    #expect(result.status == .passed && result.passed == 1, "the test that finished keeps its result")
    #expect(!(result.message ?? "").contains("tampered"))

    let cutShort = SuiteRun(jsonLines: stream(finishedRecords))
    let ended = runner.result(
      for: chapter, expected: ["one"], run: cutShort, outcome: outcome, deadline: .seconds(9),
      overflowed: false, races: races)
    #expect(ended.message?.hasPrefix("ThreadSanitizer ended the test process") == true)
    #expect(!(ended.message ?? "").contains("exit() in a test?"))

    // Without ThreadSanitizer, 66 is any other code: a report that shows no failure was tampered with.
    let plain = try suiteRunner(detectsRaces: false).result(
      for: chapter, expected: ["one"], run: finished, outcome: outcome, deadline: .seconds(9),
      overflowed: false)
    #expect(plain.status == .failed && plain.message?.contains("tampered") == true)
  }

  @Test("the check runs after a plain run that passed, crashed or passed some tests, never after none passed")
  func worthRunning() {
    #expect(RaceCheckBuild.isWorthRunning(after: plainRun(status: .passed)))
    #expect(RaceCheckBuild.isWorthRunning(after: plainRun(status: .crashed)))
    var partly = plainRun(status: .failed)
    #expect(RaceCheckBuild.isWorthRunning(after: partly))
    partly.passed = 0
    #expect(!RaceCheckBuild.isWorthRunning(after: partly))
    #expect(!RaceCheckBuild.isWorthRunning(after: plainRun(status: .timedOut)))
    #expect(!RaceCheckBuild.isWorthRunning(after: plainRun(status: .doesNotCompile)))
  }

  @Test("a verdict is reused while the chapter's files are unchanged; a clean run cut short is not kept")
  func cache() throws {
    let temporary = try TemporaryWorkbook(chapters: ["05-ConcurrentScraper"])
    try temporary.write("public func scrape() {}\n", to: "Exercises/05-ConcurrentScraper/Scraper.swift")
    let workbook = try Workbook(root: temporary.root)
    let chapter = try #require(workbook.chapters.first)
    let cache = RaceCheckCache(scratchPath: temporary.root.appendingPathComponent(".build-races"))
    let before = RaceCheckCache.fingerprint(of: chapter, in: workbook, sources: .exercises)
    let run = SuiteRunner.RaceCheckRun(races: RaceReport.parse(unlockedResultsLog), tests: [raceTest])

    cache.keep(run, of: chapter, fingerprint: before)
    #expect(cache.verdict(of: chapter, fingerprint: before) == run)
    #expect(RaceCheckCache.fingerprint(of: chapter, in: workbook, sources: .exercises) == before)

    try temporary.write("public func scrape() { }\n", to: "Exercises/05-ConcurrentScraper/Scraper.swift")
    let after = RaceCheckCache.fingerprint(of: chapter, in: workbook, sources: .exercises)
    #expect(after != before)
    #expect(cache.verdict(of: chapter, fingerprint: after) == nil)

    // A race found is a verdict even when the race then crashed the run; a clean run cut short is not.
    var crashed = run
    crashed.isComplete = false
    cache.keep(crashed, of: chapter, fingerprint: after)
    #expect(cache.verdict(of: chapter, fingerprint: after) == crashed)
    let cutShort = SuiteRunner.RaceCheckRun(races: [], tests: [], isComplete: false)
    cache.keep(cutShort, of: chapter, fingerprint: after)
    #expect(
      cache.verdict(of: chapter, fingerprint: after) == nil, "a clean run cut short forgets the old verdict")
  }

  @Test("chapter.json's raceCheck must name test functions")
  func raceCheckMetadata() throws {
    let temporary = try TemporaryWorkbook(chapters: [])
    try temporary.write(
      #"{"number": 5, "title": "T", "raceCheck": {"tests": ["a) || true"], "rule": "r", "lesson": "l"}}"#,
      to: "Tests/TTests/chapter.json")
    #expect(throws: (any Error).self) { try Workbook(root: temporary.root) }
  }
}

// MARK: - Fixtures

private let root = URL(fileURLWithPath: "/w")
private let raceTest = "dozens of threads recording at the same moment lose no result"
private let otherRaceTest = "scrape(_:) has every request in flight at the same time: one thread per URL"
private let scraperCheck = Chapter.RaceCheck(
  tests: ["noResultIsLost", "everyFetchOverlaps"],
  rule: "every thread stores its result in the dictionary under the lock", lesson: "Sharing the results")
private let chapter = Chapter(number: "05", module: "ConcurrentScraper", title: "Concurrent scraper")

/// A plain run of chapter 5 in which every test passed but the first two, as `status` says.
private func plainRun(status: ChapterResult.Status, message: String? = nil) -> ChapterResult {
  let names = [raceTest, otherRaceTest, "a status like 503 is a result"]
  let passedAll = status == .passed
  return ChapterResult(
    id: "05", title: "Concurrent scraper", module: "ConcurrentScraper", status: status,
    passed: passedAll ? 3 : 1, total: 3, message: message, failures: [],
    tests: names.enumerated().map { .init(name: $1, passed: passedAll || $0 == 2) }, output: nil, maxScore: 10
  )
}

private func suiteRunner(detectsRaces: Bool) throws -> SuiteRunner {
  let workbook = try Workbook(root: TemporaryWorkbook(chapters: ["05-ConcurrentScraper"]).root)
  var runner = SuiteRunner(
    workbook: workbook, launcher: TestLauncher(executable: "/bin/true"),
    eventsFolder: FileManager.default.temporaryDirectory, seed: 1, deadline: { _ in .seconds(9) })
  runner.detectsRaces = detectsRaces
  return runner
}

private func stream(_ records: [String]) -> Data {
  Data(records.joined(separator: "\n").utf8)
}

private let finishedRecords = [
  #"{"kind":"test","payload":{"displayName":"one","id":"A.A/one()","kind":"function","name":"one","sourceLocation":{"line":10,"column":4,"fileID":"A/A.swift"}},"version":"6.3.0"}"#,
  #"{"kind":"event","payload":{"kind":"testStarted","messages":[],"testID":"A.A/one()","instant":{"absolute":1,"since1970":1}},"version":"6.3.0"}"#,
  #"{"kind":"event","payload":{"kind":"testEnded","messages":[],"testID":"A.A/one()","instant":{"absolute":1,"since1970":1}},"version":"6.3.0"}"#,
]
private let runEnded =
  #"{"kind":"event","payload":{"kind":"runEnded","messages":[],"instant":{"absolute":1,"since1970":1}},"version":"6.3.0"}"#

/// ThreadSanitizer's report of chapter 5's `unlocked-results` mutant (Tests/Mutants), as this
/// toolchain writes it; paths shortened to `/w`.
private let unlockedResultsLog = """
  ==================
  WARNING: ThreadSanitizer: Swift access race (pid=18047)
    Modifying access of Swift variable at 0x720800009030 by thread T17:
      #0 $s17ConcurrentScraper6scrape_7timeoutSDy20FoundationEssentials3URLV0aB5Given12ScrapeResultOGSayAFG_s8DurationVtFyyYbcfU_ /w/Exercises/05-ConcurrentScraper/Scraper.swift:53:28 (old.xctest+0x1c8472) (BuildId: 907f37aa00f513ab819338bd4c49f1b37059aec9)
      #1 $s17ConcurrentScraper6scrape_7timeoutSDy20FoundationEssentials3URLV0aB5Given12ScrapeResultOGSayAFG_s8DurationVtFyyYbcfU_TA /<compiler-generated> (old.xctest+0x1c859d) (BuildId: 907f37aa00f513ab819338bd4c49f1b37059aec9)
      #2 $s10Foundation6ThreadC4mainyyF <null> (libFoundation.so+0x3795f8) (BuildId: bbe2057ad9a7c4b7122ec47d2500ff98e0395cef)

    Previous modifying access of Swift variable at 0x720800009030 by thread T19:
      #0 $s17ConcurrentScraper6scrape_7timeoutSDy20FoundationEssentials3URLV0aB5Given12ScrapeResultOGSayAFG_s8DurationVtFyyYbcfU_ /w/Exercises/05-ConcurrentScraper/Scraper.swift:53:28 (old.xctest+0x1c8472) (BuildId: 907f37aa00f513ab819338bd4c49f1b37059aec9)
      #1 $s17ConcurrentScraper6scrape_7timeoutSDy20FoundationEssentials3URLV0aB5Given12ScrapeResultOGSayAFG_s8DurationVtFyyYbcfU_TA /<compiler-generated> (old.xctest+0x1c859d) (BuildId: 907f37aa00f513ab819338bd4c49f1b37059aec9)
      #2 $s10Foundation6ThreadC4mainyyF <null> (libFoundation.so+0x3795f8) (BuildId: bbe2057ad9a7c4b7122ec47d2500ff98e0395cef)

    Location is heap block of size 24 at 0x720800009020 allocated by thread T8:
      #0 malloc /home/build-user/llvm-project/compiler-rt/lib/tsan/rtl/tsan_interceptors_posix.cpp:686:5 (old.xctest+0x99d20) (BuildId: 907f37aa00f513ab819338bd4c49f1b37059aec9)
      #1 swift_slowAlloc <null> (libswiftCore.so+0x46fa6e) (BuildId: b521f25fdeacf504eca83d97c7308e8fc11be729)
      #2 $s17ConcurrentScraper6scrape_7timeoutSDy20FoundationEssentials3URLV0aB5Given12ScrapeResultOGSayAFG_s8DurationVtF /w/Exercises/05-ConcurrentScraper/Scraper.swift:43:17 (old.xctest+0x1c90b9) (BuildId: 907f37aa00f513ab819338bd4c49f1b37059aec9)

  SUMMARY: ThreadSanitizer: Swift access race /w/Exercises/05-ConcurrentScraper/Scraper.swift:53:28 in $s17ConcurrentScraper6scrape_7timeoutSDy20FoundationEssentials3URLV0aB5Given12ScrapeResultOGSayAFG_s8DurationVtFyyYbcfU_
  ==================
  """
