import Foundation
import Testing

@testable import GraderKit

@Suite("Grader · the map of rules to tests and mutants")
struct RuleMapTests {
  @Test("a lesson's Rules section gives each rule its ID and text, and marks the untestable ones with why")
  func readsRules() throws {
    let lesson = """
      # Chapter 9 · Processes

      Body text with - **R09.9** in it, which is not the section.

      ## Rules

      - **R09.1** Never wait for a child you did not start.
      - **R09.2** (untestable on Linux: no way to make fork fail) A failed spawn throws.
      - **R09.3** A long rule that wraps
        onto a second line.
      - R09.4 without the bold
      Prose between rules is allowed.

      ## After the rules
      - **R09.5** not in the section
      """
    let section = try #require(RuleMap.rulesSection(inLesson: lesson))
    #expect(section.rules.map(\.id) == ["R09.1", "R09.2", "R09.3"])
    #expect(section.rules[0].text == "Never wait for a child you did not start.")
    #expect(section.rules[1].untestable == "untestable on Linux: no way to make fork fail")
    #expect(section.rules[1].text == "A failed spawn throws.")
    #expect(section.rules[2].text == "A long rule that wraps onto a second line.")
    #expect(section.malformed == ["- R09.4 without the bold"])
    #expect(RuleMap.rulesSection(inLesson: "# Chapter 9\n\nNo rules yet.\n") == nil)
  }

  @Test(
    "a test names its rules in the comment lines right above @Test; a mutant in // Breaks: before its diff")
  func readsNames() {
    let source = #"""
      @Suite("S") struct S {
        // R09.1, R09.3
        // Why this test enforces them.
        @Test("a \"quoted\" name")
        func one() {}

        @Test("a test of no rule")
        func two() {}

        // R09.2
        @Test(
          "a wrapped attribute", arguments: [1])
        func three(x: Int) {}
      }
      """#
    let tests = RuleMap.tests(inSource: source)
    #expect(tests.map(\.test) == [#"a "quoted" name"#, "a test of no rule", "a wrapped attribute"])
    #expect(tests.map(\.rules) == [["R09.1", "R09.3"], [], ["R09.2"]])
    let patch = """
      // Mutant: waits for a stranger.
      // Breaks: R09.1, R09.2
      --- a/Pool.swift
      +++ b/Pool.swift
      @@ -1 +1 @@
      -// Breaks: R09.7
      +// Breaks: R09.8
      """
    #expect(RuleMap.rules(inPatch: patch) == ["R09.1", "R09.2"])
  }

  @Test(
    "check fails a rule without a test or a mutant and a name of no rule, and counts a lesson without rules as not yet mapped"
  )
  func checksTheMap() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads", "02-Locks"])
    for chapter in ["01-Threads", "02-Locks"] { try workbook.writeCompleteChapter(chapter) }
    try workbook.write(
      """
      # Chapter 1 · Threads

      ## Rules

      - **R01.1** Start every thread.
      - **R01.2** Join every thread.
      - **R01.3** (untestable on Linux: why) Name every thread.
      - **R02.1** A rule of another chapter.
      - **R01.1** Start every thread, twice.

      """, to: "Exercises/01-Threads/README.md")
    try workbook.write(
      """
      import Testing
      // R01.1
      @Test("starts") func starts() {}
      // R01.9
      @Test("names a rule that does not exist") func stray() {}
      """, to: "Tests/ThreadsTests/ThreadsTests.swift")
    let diff =
      "--- a/Work.swift\n+++ b/Work.swift\n@@ -1,3 +1,3 @@\n public func work() throws {\n-  // Done.\n+  // Not done.\n }\n"
    try workbook.write(
      "// Mutant: never starts.\n// Breaks: R01.1\n" + diff, to: "Tests/Mutants/01-Threads/no-start.patch")
    try workbook.write("// Mutant: says nothing.\n" + diff, to: "Tests/Mutants/01-Threads/silent.patch")
    // Chapter 2 has no Rules section: not yet mapped, but a name there still needs a rule.
    try workbook.write("// Mutant: unlocked.\n" + diff, to: "Tests/Mutants/02-Locks/unlocked.patch")
    try workbook.write(
      "// Mutant: names one.\n// Breaks: R02.1\n" + diff, to: "Tests/Mutants/02-Locks/named.patch")

    let map = RuleMap(workbook: try Workbook(root: workbook.root))
    let failing = Dictionary(
      uniqueKeysWithValues: map.items().filter { !$0.isPassing }.map { ($0.name, $0.problem ?? "") })
    #expect(failing["01-Threads · lists its rules"]?.contains("R02.1 must begin with R01.") == true)
    #expect(failing["01-Threads · lists its rules"]?.contains("R01.1 listed twice") == true)
    #expect(failing["01-Threads · R01.1 is enforced by a test and broken by a mutant"] == nil)
    #expect(
      failing["01-Threads · R01.2 is enforced by a test and broken by a mutant"]?.contains("no test") == true)
    #expect(
      failing["01-Threads · R01.2 is enforced by a test and broken by a mutant"]?.contains("no mutant")
        == true)
    #expect(!failing.keys.contains { $0.contains("R01.3") }, "an untestable rule needs neither")
    #expect(
      failing["01-Threads · test \"names a rule that does not exist\" names rules of the lesson"] != nil)
    #expect(failing["01-Threads · mutant silent names the rules it breaks"] != nil)
    #expect(failing["01-Threads · mutant no-start names the rules it breaks"] == nil)
    #expect(
      failing["02-Locks · mutant named names the rules it breaks"]?.contains("has no ## Rules section")
        == true)
    #expect(failing["02-Locks · mutant unlocked names the rules it breaks"] == nil, "not yet mapped")
    #expect(failing.count == 6, "\(failing.keys.sorted())")
    #expect(
      map.summary
        == "rules: 1 of 2 chapters mapped, 5 rules (1 untestable on this platform), enforced by 2 tests, "
        + "broken by 1 mutants; rules not yet mapped: 02")
  }

  @Test("a caught mutant counts only when a test of the rule it breaks is among the failing tests")
  func mutantCaughtByItsRule() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    try workbook.writeCompleteChapter("01-Threads")
    try workbook.write(
      "# Chapter 1\n\n## Rules\n\n- **R01.1** Start.\n- **R01.2** Join.\n",
      to: "Exercises/01-Threads/README.md")
    try workbook.write(
      "// R01.1\n@Test(\"starts\") func a() {}\n// R01.2\n@Test(\"joins\") func b() {}\n",
      to: "Tests/ThreadsTests/ThreadsTests.swift")
    try workbook.write(
      "// Mutant: m.\n// Breaks: R01.2\n--- a/W.swift\n", to: "Tests/Mutants/01-Threads/no-join.patch")
    let wb = try Workbook(root: workbook.root)
    let map = RuleMap(workbook: wb)
    let mutant = try #require(Mutants(workbook: wb).all().first)
    func outcome(failing: String, status: ChapterResult.Status = .failed) -> Mutants.Outcome {
      let tests = ["starts", "joins"].map { ChapterResult.TestOutcome(name: $0, passed: $0 != failing) }
      return Mutants.Outcome(
        mutant: mutant,
        result: ChapterResult(
          id: "01", title: "Threads", module: "Threads", status: status, passed: 1, total: 2, message: nil,
          failures: [], tests: tests, output: nil, maxScore: 10))
    }
    #expect(map.problem(of: outcome(failing: "joins")) == nil)
    #expect(map.problem(of: outcome(failing: "starts"))?.contains("no test of R01.2 fails it") == true)
    #expect(map.problem(of: outcome(failing: "starts", status: .crashed)) == nil, "a crash fails every test")
  }

  @Test(
    "a mutant whose header expects words passes check only when the student's report shows them, without type names"
  )
  func mutantNamesItsCause() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    try workbook.write(
      "// Mutant: joins under the lock.\n// Breaks: R01.2\n// Expects: is join() called while holding the lock?\n"
        + "// Expects: R01.2\n--- a/W.swift\n+++ b/W.swift\n// Expects: not in the header\n",
      to: "Tests/Mutants/01-Threads/join-under-lock.patch")
    let mutant = try #require(Mutants(workbook: try Workbook(root: workbook.root)).all().first)
    #expect(mutant.expectations == ["is join() called while holding the lock?", "R01.2"])
    func outcome(_ messages: [String], status: ChapterResult.Status = .failed) -> Mutants.Outcome {
      Mutants.Outcome(
        mutant: mutant,
        result: ChapterResult(
          id: "01", title: "Threads", module: "Threads", status: status, passed: 0, total: 1, message: nil,
          failures: messages.map { .init(test: "joins", message: $0, file: "Tests/T.swift", line: 1) },
          tests: [.init(name: "joins", passed: false)], output: nil, maxScore: 10))
    }
    let named = outcome(["is join() called while holding the lock? Join after unlocking (R01.2)"])
    #expect(named.isCaughtAsExpected && Check.item(named).isPassing)
    let symptom = outcome(["join() never returned: a deadlock?", "see R01.2"])
    #expect(symptom.isCaught && !symptom.isCaughtAsExpected)
    #expect(symptom.missingExpectations == ["is join() called while holding the lock?"])
    #expect(Check.item(symptom).problem?.contains("no failure says \"is join() called") == true)
    let typeName = outcome([
      "is join() called while holding the lock? (R01.2) waiter → WorkbookTestSupport.BackgroundCall<Swift.Int>"
    ])
    #expect(typeName.typeNamesShown == ["WorkbookTestSupport.BackgroundCall"])
    #expect(Check.item(typeName).problem?.contains("name the test support's types") == true)
    #expect(!outcome(["is join() called while holding the lock? R01.2"], status: .passed).isCaughtAsExpected)
  }

  @Test("CONTRIBUTING.md's table must say what the sources say, and the check prints the table it wants")
  func tableIsChecked() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    try workbook.writeCompleteChapter("01-Threads")
    let map = RuleMap(workbook: try Workbook(root: workbook.root))
    let file = workbook.root.appendingPathComponent("CONTRIBUTING.md")
    #expect(map.tableItem(contributing: file).problem?.contains("no table") == true)
    let (start, end) = RuleMap.tableMarkers
    try workbook.write("# C\n\(start)\n| stale |\n\(end)\n", to: "CONTRIBUTING.md")
    #expect(map.tableItem(contributing: file).problem?.contains(map.table) == true)
    try workbook.write("# C\n\(start)\n\(map.table)\n\(end)\n", to: "CONTRIBUTING.md")
    #expect(map.tableItem(contributing: file).isPassing)
    #expect(map.table.contains("| 01-Threads | not yet mapped | 0 | 0 | 0 |"))
  }

  @Test("without --all-mutants, check grades a share of each chapter's mutants that turns with the commit")
  func rotatingShare() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads", "02-Locks"])
    for name in ["a", "b", "c", "d", "e"] {
      try workbook.write("// Mutant: \(name).\n", to: "Tests/Mutants/01-Threads/\(name).patch")
    }
    try workbook.write("// Mutant: only.\n", to: "Tests/Mutants/02-Locks/only.patch")
    let mutants = Mutants(workbook: try Workbook(root: workbook.root))
    let all = mutants.all()
    let shares = (0..<3).map { turn in mutants.share(of: all, rounds: 2, turn: turn).map(\.label) }
    #expect(shares[0] == ["01-Threads/a", "01-Threads/b", "02-Locks/only"])
    #expect(shares[1] == ["01-Threads/c", "01-Threads/d", "02-Locks/only"])
    #expect(shares[2] == ["01-Threads/a", "01-Threads/e", "02-Locks/only"], "wraps around")
    #expect(
      mutants.share(of: all, rounds: 2, turn: 1).map(\.label) == shares[1], "the same turn, the same share")
    #expect(
      mutants.rounds(of: mutants.share(of: all, rounds: 2, turn: 7)).count == 2, "two rounds, two builds")
  }
}
