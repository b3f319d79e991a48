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
