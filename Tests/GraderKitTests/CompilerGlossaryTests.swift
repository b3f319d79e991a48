import Foundation
import Testing
import WorkbookTestSupport

@testable import GraderKit

@Suite("Compiler glossary")
struct CompilerGlossaryTests {
  @Test(
    "each glossary entry recognises the error this toolchain really prints for its mistake",
    arguments: Mistake.all)
  func entryMatchesTheRealDiagnostic(_ mistake: Mistake) throws {
    let errors = try compilerErrors(for: mistake.source)
    try #require(!errors.isEmpty, "the wrong file compiled: \(mistake.name)")
    let recognised = errors.compactMap { CompilerGlossary.entry(for: $0) }
    #expect(
      recognised.contains { $0.fragments.allSatisfy { mistake.expectedLine.contains($0) } },
      "\(mistake.name): no entry for \(errors)")
    let explained = CompilerGlossary.explained(errors)
    #expect(explained.contains { $0.contains("(lesson: Exercises/") }, "\(explained)")
  }

  @Test("every lesson section a glossary entry points at is a heading of that lesson")
  func lessonSectionsExist() throws {
    for entry in CompilerGlossary.entries {
      let lesson = FixtureWorkbook.checkout.appendingPathComponent(entry.lesson.file)
      let text = try String(contentsOf: lesson, encoding: .utf8)
      let headings = text.split(separator: "\n").filter { $0.hasPrefix("#") }.map {
        $0.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
      }
      #expect(
        headings.contains(entry.lesson.section), "\(entry.lesson.file) has no \"\(entry.lesson.section)\"")
    }
  }

  /// The `error:` lines `swiftc` prints for `source`, compiled in Swift 6 mode as far as SIL, where
  /// the ownership errors (`borrowed and cannot be consumed`) are found.
  private func compilerErrors(for source: String) throws -> [String] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glossary-\(UUID())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("Mistake.swift")
    try source.write(to: file, atomically: true, encoding: .utf8)
    let outcome = try Subprocess(
      executable: "/usr/bin/env",
      arguments: [
        "swiftc", "-swift-version", "6", "-parse-as-library", "-emit-sil", "-o", "/dev/null", file.path,
      ],
      deadline: .seconds(120)
    ).run()
    return outcome.output.split(separator: "\n").map(String.init).filter {
      $0.hasPrefix(file.path) && $0.contains(": error: ")
    }
  }
}

// MARK: - Fixtures

/// A mistake a student of this course makes, and a piece of the error this toolchain prints for it.
struct Mistake: Sendable, CustomTestStringConvertible {
  var name: String
  var source: String
  var expectedLine: String
  var testDescription: String { name }

  static let all: [Mistake] = [
    Mistake(
      name: "a thread changes a captured var",
      source: "import Foundation\nfunc f() { var n = 0; let t = Thread { n += 1 }; t.start() }",
      expectedLine: "mutation of captured var 'n' in concurrently-executing code"),
    Mistake(
      name: "a thread reads a captured var",
      source: "import Foundation\nfunc f() { var n = 0; let t = Thread { print(n) }; t.start(); n = 2 }",
      expectedLine: "reference to captured var 'n' in concurrently-executing code"),
    Mistake(
      name: "a thread captures a non-Sendable object",
      source:
        "import Foundation\nfinal class Box { var v = 0 }\nfunc f() { let b = Box(); let t = Thread { b.v = 1 }; t.start() }",
      expectedLine: "capture of 'b' with non-Sendable type 'Box' in a '@Sendable' closure"),
    Mistake(
      name: "a Mutex in a capture list",
      source: """
        import Foundation
        import Synchronization
        final class Locked: Sendable {
          let m = Mutex(0)
          func f() { let t = Thread { [m] in m.withLock { $0 += 1 } }; t.start() }
        }
        """,
      expectedLine: "'self.m' is borrowed and cannot be consumed"),
    Mistake(
      name: "a Mutex in a struct",
      source: "import Synchronization\nstruct Pair { let m = Mutex(0) }",
      expectedLine: "stored property 'm' of 'Copyable'-conforming struct 'Pair' has non-Copyable type"),
    Mistake(
      name: "a var in a Sendable class",
      source: "final class Counter: Sendable { var v = 0 }",
      expectedLine: "stored property 'v' of 'Sendable'-conforming class 'Counter' is mutable"),
    Mistake(
      name: "a Sendable class that is not final",
      source: "class Open: Sendable {}",
      expectedLine: "non-final class 'Open' cannot conform to the 'Sendable' protocol"),
    Mistake(
      name: "a global var",
      source: "var count = 0",
      expectedLine: "is not concurrency-safe because it is nonisolated global shared mutable state"),
    Mistake(
      name: "a child task changes a captured object",
      source: """
        final class Box { var v = 0 }
        func f() async {
          let b = Box()
          await withTaskGroup(of: Void.self) { group in group.addTask { b.v += 1 } }
        }
        """,
      expectedLine: "risks causing data races"),
    Mistake(
      name: "a task's result is not Sendable",
      source:
        "final class Box { var v = 0 }\nfunc f() async -> Box { let t = Task { Box() }; return await t.value }",
      expectedLine: "type 'Box' does not conform to the 'Sendable' protocol"),
    Mistake(
      name: "a main-actor function called from elsewhere",
      source: "@MainActor func ui() {}\nfunc f() { ui() }",
      expectedLine: "call to main actor-isolated global function 'ui()'"),
    Mistake(
      name: "an actor's property changed from outside",
      source: "actor Tally { var n = 0 }\nfunc touch(_ t: Tally) { t.n += 1 }",
      expectedLine: "actor-isolated property 'n' can not be mutated"),
    Mistake(
      name: "await in a function that is not async",
      source: "func g() async {}\nfunc s() { await g() }",
      expectedLine: "'async' call in a function that does not support concurrency"),
    Mistake(
      name: "an async call without await",
      source: "func g() async {}\nfunc s() async { g() }",
      expectedLine: "expression is 'async' but is not marked with 'await'"),
  ]
}
