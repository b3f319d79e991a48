/// Plain words for the compiler errors a student of this course meets most: Swift 6's checks of
/// what threads and tasks share.
///
/// The compiler's own words stay first, as the student will meet them again; the sentence below
/// says what they mean for this course's code and what to do, then where the lesson explains it.
/// `Tests/GraderKitTests/CompilerGlossaryTests.swift` compiles a wrong file for each entry with
/// this toolchain and checks that the entry recognises the real message.
enum CompilerGlossary {
  struct Entry: Sendable {
    /// Pieces of the compiler's message, all of which a line must hold, in its own words.
    var fragments: [String]
    /// What it means, for a student: the cause first, the fix after a colon.
    var sentence: String
    /// The lesson's file, relative to the workbook, and the title of the section that explains it.
    var lesson: (file: String, section: String)
  }

  /// The entries, most specific first: a line takes the first entry whose fragments it holds.
  static let entries: [Entry] = [
    Entry(
      fragments: ["mutation of captured var", "in concurrently-executing code"],
      sentence:
        "a closure that runs on another thread changes a `var` of the function around it, so two threads could change it at once: keep the value inside a `Mutex`, or have each thread hand back its own result",
      lesson: ("Exercises/05-ConcurrentScraper/README.md", "What Swift 6 checks: the shared dictionary")),
    Entry(
      fragments: ["reference to captured var", "in concurrently-executing code"],
      sentence:
        "a closure that runs on another thread reads a `var` that the function around it may still change: make it a `let`, or capture a copy (`[value] in`)",
      lesson: ("Exercises/01-Threads/README.md", "What Swift 6 checks: `@Sendable` closures")),
    Entry(
      fragments: ["capture of", "with non-Sendable type", "closure"],
      sentence:
        "a closure that runs on another thread captures an object whose type is not `Sendable`, so Swift cannot tell that sharing it is safe: make the class `final` and `Sendable`, with its mutable state inside a `Mutex`",
      lesson: ("Exercises/02-CounterLocking/README.md", "What Swift 6 checks")),
    Entry(
      fragments: ["is borrowed and cannot be consumed"],
      sentence:
        "a `Mutex` cannot be copied, and a capture list (`[lock] in`) copies what it names: leave the lock out of the capture list and reach it through the object that owns it",
      lesson: ("Exercises/02-CounterLocking/README.md", "Guarding the counter with Mutex")),
    Entry(
      fragments: ["of 'Copyable'-conforming", "has non-Copyable type"],
      sentence:
        "a `Mutex` cannot be copied, and a struct is copied whenever it is passed on: keep the lock in a `final class`",
      lesson: ("Exercises/02-CounterLocking/README.md", "Guarding the counter with Mutex")),
    Entry(
      fragments: ["stored property", "of 'Sendable'-conforming", "is mutable"],
      sentence:
        "threads may share a `Sendable` class, so a `var` in it is shared state with no lock: make it a `let`, or keep the value inside a `Mutex`",
      lesson: ("Exercises/02-CounterLocking/README.md", "What Swift 6 checks")),
    Entry(
      fragments: ["non-final class", "cannot conform to the 'Sendable' protocol"],
      sentence: "Swift cannot check the subclasses of a class that is not `final`: mark the class `final`",
      lesson: ("Exercises/02-CounterLocking/README.md", "What Swift 6 checks")),
    Entry(
      fragments: ["is not concurrency-safe because it is nonisolated global shared mutable state"],
      sentence:
        "a global or `static var` is one variable that every thread shares, with no lock: make it a `let`, or keep the value inside a `Mutex`",
      lesson: ("Exercises/02-CounterLocking/README.md", "What Swift 6 checks")),
    Entry(
      fragments: ["risks causing data races"],
      sentence:
        "you hand something that is not `Sendable` to another task or thread while your code can still use it: have each child task return its result instead of changing shared state, or stop using the value once it is handed over",
      lesson: ("Exercises/07-TaskGroups/README.md", "What Swift 6 checks")),
    Entry(
      fragments: ["main actor-isolated"],
      sentence:
        "this belongs to the main actor (`@MainActor`) and you use it from code that does not: call it with `await` from async code, or leave `@MainActor` off what need not run on the main thread",
      lesson: ("Exercises/07-TaskGroups/README.md", "What Swift 6 checks")),
    Entry(
      fragments: ["actor-isolated"],
      sentence:
        "an actor's state belongs to the actor: from outside it, call one of its methods, with `await`, from async code; only the actor's own methods change its properties",
      lesson: ("Exercises/07-TaskGroups/README.md", "An actor instead of a lock")),
    Entry(
      fragments: ["does not conform to the 'Sendable' protocol"],
      sentence:
        "a value goes to another thread or task (a task's result, a captured value) and its type is not `Sendable`: make the type `Sendable`, or keep the value on one side",
      lesson: ("Exercises/02-CounterLocking/README.md", "What Swift 6 checks")),
    Entry(
      fragments: ["'async' call in a function that does not support concurrency"],
      sentence:
        "you `await` inside a function that is not `async`: mark the function `async`, or start the work in a `Task`",
      lesson: ("Exercises/07-TaskGroups/README.md", "The event loop and the cooperative pool")),
    Entry(
      fragments: ["is 'async' but is not marked with 'await'"],
      sentence:
        "this call can suspend (an `async` function, or an actor's method called from outside it): write `await` before it",
      lesson: ("Exercises/07-TaskGroups/README.md", "An actor instead of a lock")),
  ]

  /// The entry that explains a compiler's line, if any.
  static func entry(for line: String) -> Entry? {
    guard line.contains("error: ") else { return nil }
    return entries.first { entry in entry.fragments.allSatisfy { line.contains($0) } }
  }

  /// The errors, each followed by its plain sentence when the glossary has one (the same error
  /// twice is explained once).
  static func explained(_ errors: [String]) -> [String] {
    var explainedAlready: Set<String> = []
    return errors.flatMap { line -> [String] in
      guard let entry = entry(for: line), explainedAlready.insert(entry.sentence).inserted else {
        return [line]
      }
      return [line, "  \(entry.sentence) (lesson: \(entry.lesson.file), \"\(entry.lesson.section)\")"]
    }
  }
}
