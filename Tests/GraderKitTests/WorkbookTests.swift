import Foundation
import Testing

@testable import GraderKit

@Suite("Grader · workbook layout")
struct WorkbookTests {
  @Test(
    "chapters come from their chapter.json files in course order, with their titles, points and deadlines")
  func chaptersFromMetadata() throws {
    let workbook = try TemporaryWorkbook(chapters: ["02-CounterLocking", "10-Capstone", "01-Threads"])
    try workbook.write(
      #"{"number": 10, "title": "Capstone", "points": 25, "deadlineSeconds": 300}"#,
      to: "Tests/CapstoneTests/chapter.json")
    let chapters = try Workbook(root: workbook.root).chapters
    #expect(chapters.map(\.folder) == ["01-Threads", "02-CounterLocking", "10-Capstone"])
    #expect(chapters.map(\.title) == ["Threads", "CounterLocking", "Capstone"])
    #expect(chapters.map(\.points) == [10, 10, 25])
    #expect(chapters.map(\.deadline) == [nil, nil, .seconds(300)])
    #expect(chapters[1].testFilter == "^CounterLockingTests\\.")
  }

  @Test(
    "a chapter.json that cannot be read names its file and what is wrong (exit code 3)",
    arguments: [
      (#"{"title": "No number"}"#, "number"), (#"{"number": 0, "title": "Zero"}"#, "1 to 99"),
      (#"{"number": 1, "title": "T", "points": -1}"#, "points"), ("not json", "chapter.json"),
    ])
  func badMetadata(text: String, named: String) throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    try workbook.write(text, to: "Tests/ThreadsTests/chapter.json")
    #expect {
      try Workbook(root: workbook.root)
    } throws: { error in
      (error as? GraderError)?.exitCode == 3 && "\(error)".contains("Tests/ThreadsTests/chapter.json")
        && "\(error)".contains(named)
    }
  }

  @Test(
    "a chapter is found by number, by number without its zero, or by name",
    arguments: ["02", "2", "CounterLocking", "counter-locking", "02-CounterLocking"])
  func chapterNames(name: String) throws {
    let workbook = try Workbook(root: TemporaryWorkbook(chapters: ["01-Threads", "02-CounterLocking"]).root)
    #expect(try workbook.chapter(named: name).number == "02")
  }

  @Test("an unknown chapter is a usage error that lists the chapters")
  func unknownChapter() throws {
    let workbook = try Workbook(root: TemporaryWorkbook(chapters: ["01-Threads"]).root)
    #expect {
      try workbook.chapter(named: "7")
    } throws: { error in
      (error as? GraderError)?.exitCode == 2 && "\(error)".contains("01 (Threads)")
    }
  }

  @Test("a folder without Package.swift is not a workbook (exit code 3)")
  func notAWorkbook() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-workbook-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    #expect {
      try Workbook(root: folder)
    } throws: { error in
      (error as? GraderError)?.exitCode == 3
    }
  }
}

@Suite("Grader · check of the layout")
struct LayoutCheckTests {
  @Test("a complete chapter breaks no layout invariant")
  func completeChapter() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    try workbook.writeCompleteChapter("01-Threads")
    let problems = Check(workbook: try Workbook(root: workbook.root)).layoutItems().compactMap(\.problem)
    #expect(problems.isEmpty)
  }

  @Test("each broken layout invariant is named")
  func brokenChapter() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    try workbook.writeCompleteChapter("01-Threads")
    try workbook.remove("Exercises/01-Threads/hints.md")
    try workbook.write("public func work() { fatalError() }\n", to: "Exercises/01-Threads/Work.swift")
    try workbook.write("public func extra() {}\n", to: "Solutions/01-Threads/Extra.swift")
    try workbook.write("public func work(times: Int) {}\n", to: "Solutions/01-Threads/Work.swift")
    let failing = Check(workbook: try Workbook(root: workbook.root)).layoutItems().filter { !$0.isPassing }
    let names = failing.map(\.name)
    #expect(names.contains("01-Threads · has a hints.md"))
    #expect(names.contains("01-Threads · has a // TODO: for the student"))
    #expect(names.contains("01-Threads · never calls fatalError in an exercise"))
    #expect(names.contains("01-Threads · Exercises and Solutions mirror file for file"))
    #expect(names.contains("01-Threads · Work.swift declares the same public API in both"))
  }

  /// The counter of a chapter's solution: the locked read, pause and write.
  static let lockedCounter = """
    public final class Counter: Sendable {
      private let pause: Pause
      private let count: Mutex<Int>

      public func increment(by amount: Int) {
        // One critical section: nobody slips in between.
        count.withLock { count in
          let current = count
          pause()
          count = current + amount
        }
      }
    }
    """

  @Test(
    "a demo that retypes four lines of a solution with other names and comments breaks check, naming both files and lines; three alike lines do not"
  )
  func demoCarryingTheAnswer() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    try workbook.writeCompleteChapter("01-Threads")
    try workbook.write(Self.lockedCounter, to: "Solutions/01-Threads/Counter.swift")
    try workbook.write("public final class Counter: Sendable {}\n", to: "Exercises/01-Threads/Counter.swift")
    // The old chapter 2 demo's locked counter: the solution's lines, a pause and a name apart.
    try workbook.write(
      """
      import Synchronization

      private final class LockedCounter: Sendable {
        private let count = Mutex(0)

        func increment() {
          count.withLock { count in
            let current = count
            usleep(1_000)  // the guide's time.sleep(0.001)
            count = current + 1
          }
        }
      }
      """, to: "Sources/Demos/Copied.swift")
    // The race alone, as a demo shows it: three lines like the solution's, then no lock.
    try workbook.write(
      """
      private final class UnlockedCounter: @unchecked Sendable {
        var value = 0

        func increment() {
          let current = value
          usleep(1_000)
          value = current + 1
        }
      }
      """, to: "Sources/Demos/Race.swift")
    let items = Check(workbook: try Workbook(root: workbook.root)).layoutItems()
    let copied = try #require(items.first { $0.name == "Sources/Demos/Copied.swift gives no solution away" })
    #expect(
      copied.problem?.hasPrefix(
        "6 code lines in a row from line 4 are Solutions/01-Threads/Counter.swift's from line 3")
        == true, "\(copied.problem ?? "")")
    let race = try #require(items.first { $0.name == "Sources/Demos/Race.swift gives no solution away" })
    #expect(race.isPassing, "\(race.problem ?? "")")
  }

  @Test(
    "two lines are alike when at most half the longer one's tokens differ; comments and prints do not count")
  func alikeLines() {
    func tokens(_ line: String) -> [Substring] { SharedCode.lines(of: line).first?.tokens ?? [] }
    #expect(SharedCode.areAlike(tokens("count = current + 1"), tokens("count = current + amount")))
    #expect(SharedCode.areAlike(tokens("usleep(1_000)"), tokens("pause()")))
    #expect(!SharedCode.areAlike(tokens("let x = 1"), tokens("return pages.compactMap { $0 }")))
    #expect(tokens(#"let s = "a // b" // note"#) == ["let", "s", "=", #""a // b""#])
    #expect(SharedCode.lines(of: "/* a\n b */\n}\nprint(\"x\")\nimport Foundation\n").isEmpty)
  }

  @Test(
    "a README whose example of ./grader is not the skeletons' table is named with both totals; readme rewrites it, and a new seed changes nothing"
  )
  func readmeExample() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    let stale = """
      # Workbook

      \(ReadmeExample.begin)
      ```console
      $ ./grader
          Total                           0/77   0/100   0 of 10 chapters passed
      ```
      \(ReadmeExample.end)

      More.

      """
    for file in ReadmeExample.files { try workbook.write(stale, to: file) }
    let example = ReadmeExample(workbook: try Workbook(root: workbook.root))
    var grade = Grade(
      sources: .exercises, seed: 793_889,
      chapters: [
        ChapterResult(
          id: "01", title: "Threads and join", module: "Threads", status: .failed, passed: 0, total: 6,
          message: nil, failures: [], tests: [.init(name: "join() waits", passed: false)], output: nil,
          maxScore: 10)
      ])
    let problems = example.problems(for: grade)
    #expect(problems.map(\.file) == ReadmeExample.files)
    for problem in problems {
      #expect(problem.problem?.contains("its total 0/77 0/100") == true, "\(problem)")
      #expect(problem.problem?.contains("theirs 0/6 0/10") == true, "\(problem)")
    }
    #expect(try example.write(grade) == ReadmeExample.files)
    grade.seed = 42
    #expect(example.problems(for: grade).allSatisfy { $0.problem == nil })
    let text = try String(contentsOf: workbook.root.appendingPathComponent("README.md"), encoding: .utf8)
    #expect(text.hasPrefix("# Workbook\n\n\(ReadmeExample.begin)\n```console\n$ ./grader\n"), "\(text)")
    #expect(
      text.contains("01  Threads and join") && text.hasSuffix("\(ReadmeExample.end)\n\nMore.\n"), "\(text)")
    #expect(try example.write(grade) == [], "nothing to change")
    // The failures under the table may point at another line, or list races, in another run.
    var racy = grade
    racy.chapters[0].failures = [.init(test: "join() waits", message: "x", file: "Tests/T.swift", line: 9)]
    racy.chapters[0].races = ["data race: Threads.swift:3"]
    #expect(example.problems(for: racy).allSatisfy { $0.problem == nil })
    var more = grade
    more.chapters[0].total = 7
    #expect(example.problems(for: more).allSatisfy { $0.problem?.contains("theirs 0/7 0/10") == true })
    try workbook.write("# No block\n", to: "README.md")
    #expect(example.problems(for: grade).first?.problem?.hasPrefix("no block between") == true)
  }

  @Test("no demo of this workbook gives a solution away")
  func workbookDemos() throws {
    let items = Check(workbook: try Workbook(root: FixtureWorkbook.checkout)).demoItems()
    #expect(items.count >= 10)
    for item in items {
      #expect(item.isPassing, "\(item.name): \(item.problem ?? "")")
    }
  }

  @Test("a mutant is a patch that applies to the solution and says, on its first line, what rule it breaks")
  func mutantLayout() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    try workbook.writeCompleteChapter("01-Threads")
    let diff = """
      --- a/Work.swift
      +++ b/Work.swift
      @@ -1,3 +1,3 @@
       public func work() throws {
      -  // Done.
      +  // Done twice.
       }

      """
    try workbook.write("// Mutant: works twice.\n" + diff, to: "Tests/Mutants/01-Threads/good.patch")
    try workbook.write(diff, to: "Tests/Mutants/01-Threads/silent.patch")
    try workbook.write(
      "// Mutant: stale.\n" + diff.replacingOccurrences(of: "-  // Done.", with: "-  // Gone."),
      to: "Tests/Mutants/01-Threads/stale.patch")
    try workbook.write("// Mutant: extra.\n", to: "Tests/Mutants/01-Threads/stray/Extra.swift")
    let items = Check(workbook: try Workbook(root: workbook.root)).layoutItems()
    let failing = Set(items.filter { !$0.isPassing }.map(\.name))
    let item = { (name: String) in
      "01-Threads · mutant \(name) applies to the solution and says what it breaks"
    }
    #expect(items.contains { $0.name == item("good") })
    #expect(!failing.contains(item("good")), "\(items.filter { !$0.isPassing })")
    #expect(failing.contains(item("silent")))
    #expect(failing.contains(item("stale")))
    #expect(failing.contains("01-Threads · Tests/Mutants/01-Threads holds only patches"))
    let solution = workbook.root.appendingPathComponent("Solutions/01-Threads/Work.swift")
    #expect(
      try String(contentsOf: solution, encoding: .utf8).contains("// Done.\n"), "a dry run changes nothing")
  }

  @Test("given code exists once: the solution side links to it, and a copy or a missing link fails")
  func givenCodeOnce() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads"])
    try workbook.writeCompleteChapter("01-Threads")
    try workbook.write("public struct Handed {}\n", to: "Exercises/01-Threads/Given/Handed.swift")
    let name = "01-Threads · keeps its given code in one copy"
    func failing() throws -> Bool {
      try Check(workbook: try Workbook(root: workbook.root)).layoutItems().contains {
        $0.name == name && !$0.isPassing
      }
    }
    #expect(try failing(), "no link on the solution side")
    let link = workbook.root.appendingPathComponent("Solutions/01-Threads/Given")
    try workbook.write("public struct Handed {}\n", to: "Solutions/01-Threads/Given/Handed.swift")
    #expect(try failing(), "a copy")
    try FileManager.default.removeItem(at: link)
    try FileManager.default.createSymbolicLink(
      atPath: link.path, withDestinationPath: "../../Exercises/01-Threads/Given")
    #expect(try !failing(), "the link")
  }

  @Test("mutants take turns in rounds of one a chapter, and those that need ThreadSanitizer come last")
  func mutantRounds() throws {
    let workbook = try TemporaryWorkbook(chapters: ["01-Threads", "02-Counter"])
    for folder in ["01-Threads", "02-Counter"] { try workbook.writeCompleteChapter(folder) }
    for (path, marker) in [
      ("01-Threads/a", "// Mutant: "), ("01-Threads/b", "// Mutant: "),
      ("01-Threads/c", "// Mutant (--races): "),
      ("02-Counter/a", "// Mutant: "),
    ] {
      try workbook.write("\(marker)why.\n", to: "Tests/Mutants/\(path).patch")
    }
    let mutants = Mutants(workbook: try Workbook(root: workbook.root))
    let rounds = mutants.rounds(of: mutants.all()).map { $0.map(\.label) }
    #expect(rounds == [["01-Threads/a", "02-Counter/a"], ["01-Threads/b"], ["01-Threads/c"]])
  }

  @Test("public declarations ignore bodies, default values and conformances, and join wrapped lines")
  func declarations() {
    let racy = """
      public final class Counter: @unchecked Sendable {
        public init(pause: Pause = .guide) {}
        public func add(
          _ amount: Int,
          times: Int
        ) throws {}
        public var value: Int { 0 }
        func hidden() {}
      }
      """
    let safe = """
      public final class Counter: Sendable {
        public init(pause: Pause = .none) { self.pause = pause }
        public func add(_ amount: Int, times: Int) throws { }
        public var value: Int { lock.withLock { count } }
      }
      """
    #expect(publicDeclarations(in: racy) == publicDeclarations(in: safe))
    #expect(publicDeclarations(in: racy).count == 4)
  }
}

// MARK: - Fixtures

/// A workbook in a temporary folder, with a `chapter.json` for each of the given chapters.
struct TemporaryWorkbook {
  let root: URL

  init(chapters: [String]) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("workbook-\(UUID())")
    try write("// A manifest the grader never reads.\n", to: "Package.swift")
    for folder in chapters {
      let module = folder.dropFirst(3)
      try write(
        #"{"number": \#(Int(folder.prefix(2)) ?? 0), "title": "\#(module)"}"#,
        to: "Tests/\(module)Tests/chapter.json")
    }
  }

  func write(_ text: String, to path: String) throws {
    let url = root.appendingPathComponent(path)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }

  func remove(_ path: String) throws {
    try FileManager.default.removeItem(at: root.appendingPathComponent(path))
  }

  /// A chapter with every file the layout check asks for.
  func writeCompleteChapter(_ folder: String) throws {
    let module = String(folder.dropFirst(3))
    try write("# Chapter 1 · \(module)\n", to: "Exercises/\(folder)/README.md")
    try write("Read the lesson.\n", to: "Exercises/\(folder)/hints.md")
    try write("public func work() throws {\n  // TODO: work\n}\n", to: "Exercises/\(folder)/Work.swift")
    try write("public func work() throws {\n  // Done.\n}\n", to: "Solutions/\(folder)/Work.swift")
    try write("import Testing\n", to: "Tests/\(module)Tests/\(module)Tests.swift")
  }
}
