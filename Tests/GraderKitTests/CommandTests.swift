import Foundation
import Testing

@testable import GraderKit

@Suite("Grader · command line")
struct CommandTests {
  /// `value` changed by `change`, to spell an expected command in one expression.
  private static func with<Value>(_ value: Value, _ change: (inout Value) -> Void) -> Value {
    var value = value
    change(&value)
    return value
  }

  /// The words that call `name` with a chapter where it needs one, and nothing else.
  private static func words(of name: Command.Name) -> [String] {
    switch name {
    case .compare, .hint, .reset: [name.rawValue, "02"]
    case .release: [name.rawValue, "students"]
    default: [name.rawValue]
    }
  }

  /// Whether `error` is a usage error (exit code 2) whose message holds every one of `parts`.
  private static func isUsage(_ error: any Error, saying parts: [String]) -> Bool {
    guard let error = error as? GraderError, case .usage = error else { return false }
    return error.exitCode == 2 && parts.allSatisfy { error.description.contains($0) }
  }

  @Test("no arguments grades every chapter of the exercises as text")
  func defaults() throws {
    #expect(try Command(arguments: []) == .grade(GradeOptions()))
    #expect(GradeOptions().sources == .exercises && GradeOptions().format == .text)
  }

  @Test(
    "every command parses with its options",
    arguments: [
      (
        [
          "02", "--solutions", "--format", "json", "--timeout", "30", "--jobs", "1", "--seed", "42",
          "--races",
        ],
        Command.grade(
          with(GradeOptions()) {
            $0.chapter = "02"
            $0.sources = .solutions
            $0.format = .json
            $0.tuning = with(Tuning()) {
              $0.timeout = .seconds(30)
              $0.jobs = 1
              $0.seed = 42
              $0.detectsRaces = true
            }
          })
      ),
      (["grade", "2"], .grade(with(GradeOptions()) { $0.chapter = "2" })),
      (
        ["--submission", "alice", "--gradescope", "results.json", "--junit", "junit.xml"],
        .grade(
          with(GradeOptions()) {
            $0.submission = "alice"
            $0.gradescopeFile = "results.json"
            $0.junitFile = "junit.xml"
          })
      ),
      (
        ["grade", "--submissions", "hand-ins", "--csv", "grades.csv", "--format", "json"],
        .grade(
          with(GradeOptions()) {
            $0.submissions = "hand-ins"
            $0.csvFile = "grades.csv"
            $0.format = .json
          })
      ),
      (
        [
          "--submissions", "hand-ins", "--csv", "grades.csv", "--resume", "--junit", "xml", "--gradescope",
          "json",
        ],
        .grade(
          with(GradeOptions()) {
            $0.submissions = "hand-ins"
            $0.csvFile = "grades.csv"
            $0.resumes = true
            $0.junitFile = "xml"
            $0.gradescopeFile = "json"
          })
      ),
      (
        ["--submissions", "hand-ins", "--json", "grades.jsonl", "--shard", "2/3", "--resume"],
        .grade(
          with(GradeOptions()) {
            $0.submissions = "hand-ins"
            $0.jsonFile = "grades.jsonl"
            $0.shard = Shard(index: 2, count: 3)
            $0.resumes = true
          })
      ),
      (
        [
          "merge", "a.csv", "b.jsonl", "--csv", "all.csv", "--json", "all.jsonl", "--submissions", "hand-ins",
        ],
        .merge(
          with(MergeOptions(parts: ["a.csv", "b.jsonl"])) {
            $0.csvFile = "all.csv"
            $0.jsonFile = "all.jsonl"
            $0.submissions = "hand-ins"
          })
      ),
      (
        ["check", "--timeout", "60", "--jobs", "1", "--seed", "7", "--races", "--all-mutants"],
        .check(
          with(CheckOptions()) {
            $0.gradesAllMutants = true
            $0.tuning = with(Tuning()) {
              $0.timeout = .seconds(60)
              $0.jobs = 1
              $0.seed = 7
              $0.detectsRaces = true
            }
          })
      ),
      (["audit"], .audit(AuditOptions())),
      (
        ["audit", "03", "--solutions", "--repeat", "5", "--hog", "--seed", "9", "--jobs", "1"],
        .audit(
          with(AuditOptions()) {
            $0.chapter = "03"
            $0.sources = .solutions
            $0.runs = 5
            $0.hogsCPUs = true
            $0.tuning = with(Tuning()) {
              $0.seed = 9
              $0.jobs = 1
            }
          })
      ),
      (
        ["compare", "02", "--submission", "alice", "--timeout", "30", "--races"],
        .compare(
          with(CompareOptions(chapter: "02")) {
            $0.submission = "alice"
            $0.tuning = with(Tuning()) {
              $0.timeout = .seconds(30)
              $0.detectsRaces = true
            }
          })
      ),
      (
        ["compare", "--submission", "alice", "02"],
        .compare(with(CompareOptions(chapter: "02")) { $0.submission = "alice" })
      ),
      (["hint", "2"], .hint(chapter: "2")),
      (["reset", "02"], .reset(chapter: "02", assumesYes: false)),
      (["reset", "02", "--yes"], .reset(chapter: "02", assumesYes: true)),
      (["reset", "-y", "02"], .reset(chapter: "02", assumesYes: true)),
      (
        ["watch", "--timeout", "30", "--seed", "3"],
        .watch(
          with(Tuning()) {
            $0.timeout = .seconds(30)
            $0.seed = 3
          })
      ),
      (["help"], .help),
      (["release", "../students"], .release(folder: "../students")),
      (
        ["--submission", "DIR", "--classroom", "c.json"],
        .grade(
          with(GradeOptions()) {
            $0.submission = "DIR"
            $0.classroomFile = "c.json"
          })
      ),
    ])
  func parses(arguments: [String], command: Command) throws {
    #expect(try Command(arguments: arguments) == command)
  }

  @Test(
    "the spellings the README and the old help document keep working",
    arguments: [
      ([], Command.Name.grade), (["02"], .grade), (["2"], .grade), (["CounterLocking"], .grade),
      (["02-CounterLocking"], .grade), (["hint", "02"], .hint), (["reset", "02"], .reset),
      (["watch"], .watch), (["check"], .check), (["--timeout", "30", "check"], .check),
      (["compare", "02"], .compare), (["compare", "02", "--submission", "DIR"], .compare),
      (["--format", "json"], .grade), (["--seed", "42"], .grade), (["--solutions"], .grade),
      (["--submission", "DIR"], .grade), (["--submissions", "DIR", "--csv", "grades.csv"], .grade),
      (["--submission", "DIR", "--gradescope", "results.json", "--junit", "junit.xml"], .grade),
      (["--races"], .grade), (["--races", "--solutions"], .grade),
      (["--solutions", "--repeat", "50", "--hog"], .audit), (["02", "--repeat", "3"], .audit),
    ])
  func oldSpellings(arguments: [String], name: Command.Name) throws {
    #expect(try Command(arguments: arguments).name == name)
  }

  @Test("--repeat N [--hog] without a command word is the flake audit, as it always was")
  func repeatIsTheAudit() throws {
    let expected = Self.with(AuditOptions()) {
      $0.sources = .solutions
      $0.runs = 50
      $0.hogsCPUs = true
    }
    #expect(try Command(arguments: ["--solutions", "--repeat", "50", "--hog"]) == .audit(expected))
  }

  @Test(
    "--help wins wherever it stands, over any error",
    arguments: [
      ["--help"], ["-h"], ["help"], ["hint", "--help"], ["--bogus", "-h"],
      ["check", "--junit", "x", "--help"],
      ["--submissions", "d", "--junit", "x", "-h"], ["hint", "-h"],
    ])
  func helpWins(arguments: [String]) throws {
    #expect(try Command(arguments: arguments) == .help)
  }

  @Test(
    "an option the command does not take is a usage error naming the option and the command",
    arguments: Command.Name.allCases.filter { $0 != .help })
  func inapplicableOptions(name: Command.Name) {
    let rejected = Option.all.filter { !$0.commands.contains(name) }
    for option in rejected {
      let arguments = Self.words(of: name) + [option.name] + (option.valueName.map { _ in ["1"] } ?? [])
      #expect("\(arguments)") {
        try Command(arguments: arguments)
      } throws: { Self.isUsage($0, saying: ["\(option.name) does not apply to \(name.rawValue)"]) }
    }
    #expect(name == .grade || !rejected.isEmpty, "every command but grading rejects some option")
  }

  @Test(
    "without a command word, an option grading or the audit does not take is rejected too",
    arguments: [
      (["--yes"], "--yes does not apply to grade (the default command): it goes with reset"),
      (["--hog"], "--hog does not apply to grade (the default command): it goes with audit"),
      (
        ["--submission", "alice", "--repeat", "3"],
        "--submission does not apply to audit (which --repeat starts)"
      ),
      (["--repeat", "3", "--junit", "x"], "--junit does not apply to audit (which --repeat starts)"),
      (["--repeat", "3", "--format", "json"], "--format does not apply to audit"),
    ])
  func inapplicableWithoutCommandWord(arguments: [String], message: String) {
    #expect {
      try Command(arguments: arguments)
    } throws: { Self.isUsage($0, saying: [message]) }
  }

  @Test(
    "bad usage is an error with exit code 2 that says what is wrong",
    arguments: [
      (["--bogus"], "Unknown option '--bogus'"),
      (["--format", "xml"], "--format takes text or json"),
      (["--timeout", "soon"], "--timeout takes a whole number"),
      (["--jobs", "0"], "--jobs takes a number of 1 or more"),
      (["--repeat", "0"], "--repeat takes a number of 1 or more"),
      (["--seed"], "--seed needs a value"),
      (["--junit", "--races"], "--junit needs a value"),
      (["01", "02"], "Unexpected argument '02'"),
      (["02", "check"], "Unexpected argument 'check'"),
      (["watch", "02"], "Unexpected argument '02'"),
      (["hint"], "hint needs a chapter, such as ./grader hint 02"),
      (["compare", "--submission", "alice"], "compare needs a chapter"),
      (["reset", "01", "02"], "Unexpected argument '02'"),
    ])
  func badUsage(arguments: [String], message: String) {
    #expect {
      try Command(arguments: arguments)
    } throws: { Self.isUsage($0, saying: [message]) }
  }

  @Test(
    "options that make no sense together are a usage error that says why",
    arguments: [
      (["--submission", "a", "--submissions", "b"], "--submission and --submissions go one at a time"),
      (["--csv", "grades.csv"], "--csv goes with --submissions DIR"),
      (
        ["--submissions", "d", "--resume"],
        "--resume goes with --submissions DIR and --csv FILE or --json FILE"
      ),
      (["--json", "g.jsonl"], "--json goes with --submissions DIR"),
      (["--shard", "1/2"], "--shard goes with --submissions DIR"),
      (["--submissions", "d", "--shard", "3/2"], "--shard takes K/N"),
      (["--submissions", "d", "--shard", "0/2"], "--shard takes K/N"),
      (["--submissions", "d", "--shard", "two"], "--shard takes K/N"),
      (["audit", "--only", "spin-join"], "--only picks mutants to audit: add --mutants"),
      (["merge", "--csv", "all.csv"], "merge needs the parts to join"),
      (["merge", "a.csv", "b.csv"], "merge writes the whole to --csv FILE, --json FILE or both"),
      (["merge", "a.csv", "--csv", "a.csv"], "a.csv is a part and the merged file"),
      (["merge", "a.csv", "--csv", "b.csv", "--shard", "1/2"], "--shard does not apply to merge"),
      (["--submission", "d", "--csv", "g", "--resume"], "--csv goes with --submissions DIR"),
      (
        ["--solutions", "--submission", "alice"],
        "--solutions grades this checkout's solutions and --submission"
      ),
      (
        ["--solutions", "--submissions", "d"],
        "--solutions grades this checkout's solutions and --submissions"
      ),
    ])
  func badCombinations(arguments: [String], message: String) {
    #expect {
      try Command(arguments: arguments)
    } throws: { Self.isUsage($0, saying: [message]) }
  }

  @Test("the help lists every option of the table exactly once, with its help and its commands")
  func helpListsEveryOption() throws {
    let usage = Command.usage
    let options = try #require(usage.firstRange(of: "OPTIONS:\n")?.upperBound)
    let exitCodes = try #require(usage.firstRange(of: "\n\nEXIT CODES:")?.lowerBound)
    let section = usage[options..<exitCodes]
    // An option's entry is a line that starts with its spelling; the lines wrapped below it do not.
    let entries = section.split(separator: "\n").filter { $0.hasPrefix("  -") }.map { line in
      line.split(separator: " ").first { $0.hasPrefix("--") }.map(String.init) ?? ""
    }
    #expect(entries == Option.all.map(\.name))
    let flattened = section.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    for option in Option.all {
      #expect(flattened.contains(option.help), "\(option.name)")
      if option.commands.count < Command.Name.allCases.count {
        #expect(flattened.contains("[\(option.commands.map(\.rawValue).joined(separator: ", "))]"))
      }
    }
  }

  @Test("the help keeps its sections, names every command and fits in 100 columns")
  func helpLayout() {
    let usage = Command.usage
    var position = usage.startIndex
    for section in ["USAGE:", "COMMANDS:", "OPTIONS:", "EXIT CODES:", "EXAMPLES:"] {
      let found = usage[position...].range(of: section)
      #expect(found != nil, "\(section) in order")
      position = found?.upperBound ?? position
    }
    for name in Command.Name.allCases {
      #expect(usage.contains("\n  \(name.synopsis)"), "\(name)")
    }
    #expect(usage.split(separator: "\n").allSatisfy { $0.count <= HelpText.width })
  }

  @Test(
    "errors are typed by meaning: the command line's are exit code 2, the workbook's and the environment's 3",
    arguments: [
      (GraderError.usage("x"), Int32(2)), (.unknownChapter("7", known: []), 2), (.notAWorkbook("/w"), 3),
      (.badChapterMetadata("f", "p"), 3), (.workbookDoesNotBuild("e"), 3), (.missingFolder("/d"), 3),
      (.missingFile("/w/hints.md", remedy: "Take it back from git."), 3),
      (.operationFailed("cp -Rp a b", output: "No space left on device"), 3),
      (.instructorEditionOnly("./grader check"), 3),
    ])
  func exitCodes(error: GraderError, code: Int32) {
    #expect(error.exitCode == code)
    #expect(!error.description.contains("--help") || code == 2, "only usage errors point to --help")
  }

  @Test("a failed file operation names the operation and what it said, and is no usage error")
  func operationFailed() throws {
    #expect {
      try GraderError.whenFailing("copying /nowhere to /elsewhere") {
        try FileManager.default.copyItem(atPath: "/nowhere-\(UUID())", toPath: "/tmp/elsewhere-\(UUID())")
      }
    } throws: { error in
      guard let error = error as? GraderError, case .operationFailed = error else { return false }
      return error.exitCode == 3 && error.description.contains("copying /nowhere to /elsewhere failed")
    }
  }
}
