import Foundation

/// What the student or maintainer asked for on the command line: one command and its options.
public enum Command: Equatable, Sendable {
  /// Grade all chapters, or the one named; the command when none is named.
  case grade(GradeOptions)
  /// The maintainers' test of every invariant.
  case check(CheckOptions)
  /// The flake audit: the suites again and again, and every test that ever failed.
  case audit(AuditOptions)
  /// A chapter's tests and files beside the solution's.
  case compare(CompareOptions)
  /// The next of a chapter's staged hints.
  case hint(chapter: String)
  /// Put a chapter's skeleton back, asking first unless `assumesYes` (`--yes`).
  case reset(chapter: String, assumesYes: Bool)
  /// Grade the chapter being edited on every save.
  case watch(Tuning)
  /// Instructors: write the student edition, without the answer key, into a new folder.
  case release(folder: String)
  /// Instructors: put the parts of a class graded in shares (`--shard`) together.
  case merge(MergeOptions)
  /// Maintainers: write the skeletons' table into the READMEs' example of `./grader`.
  case readme(Tuning)
  case help

  /// The commands, as their words are spelled on the command line and listed by `--help`.
  public enum Name: String, CaseIterable, Sendable {
    case grade, check, audit, compare, hint, reset, watch, release, merge, readme, help

    /// How the command is called, without its options.
    var synopsis: String {
      switch self {
      case .grade: "[grade] [CHAPTER]"
      case .audit: "audit [CHAPTER]"
      case .compare, .hint, .reset: "\(rawValue) CHAPTER"
      case .release: "release DIR"
      case .merge: "merge PART…"
      case .check, .watch, .readme, .help: rawValue
      }
    }

    /// What the command does, for `--help`.
    var summary: String {
      switch self {
      case .grade:
        "Grade every chapter of Exercises/, or one in detail: 02, 2, CounterLocking or "
          + "02-CounterLocking. The default command: ./grader 02 is ./grader grade 02."
      case .check:
        "Maintainers: every solution passes every test, every skeleton fails every test, Exercises/ "
          + "and Solutions/ mirror each other, every chapter has its lesson, hints and TODOs, and the "
          + "grader's own tests pass."
      case .audit:
        "Maintainers: the flake audit. Run the tests --repeat N times on one build, each run with new "
          + "random inputs, and list every test that ever failed (with the seeds to replay)."
      case .compare: "Instructors: each test's result and each file, student beside solution."
      case .hint: "Show the chapter's next hint (each call shows one more)."
      case .reset: "Put the chapter's skeleton back, after asking (--yes skips the question)."
      case .watch: "Grade the chapter you are editing every time you save; Ctrl-C stops."
      case .release:
        "Instructors: write the student edition into DIR, a new or empty folder outside this one: "
          + "Exercises/, Tests/, Sources/, the lessons and the grader, a README for students and the "
          + "GitHub Classroom workflow; no Solutions/ and no git history. pristine.sha256 records the "
          + "checksums of the files a grade trusts."
      case .merge:
        "Instructors: join the parts of a class graded in shares (--shard K/N): CSV parts into --csv "
          + "FILE, JSON lines parts into --json FILE. Exit code 1, and nothing written, when a student "
          + "is in two parts, or, with --submissions DIR, a hand-in is in none."
      case .readme:
        "Maintainers: grade the skeletons and write their table into the example of ./grader in "
          + "README.md and the student README, between their markers (check fails when they differ)."
      case .help: "Show this help, as -h and --help do anywhere on the command line."
      }
    }

    /// The options this command takes, in the order `--help` lists them.
    var options: [Option] {
      Option.all.filter { $0.commands.contains(self) }
    }

    /// Who the help shows the command to: the maintainers' and instructors' commands need the
    /// answer key, which a student edition does not have.
    var audience: Option.Audience {
      switch self {
      case .check, .audit, .compare, .release, .merge, .readme: .instructors
      case .grade, .hint, .reset, .watch, .help: .everyone
      }
    }
  }

  /// The text `./grader --help` prints in the instructor edition: every command and option.
  public static let usage = HelpText.render()

  /// The text `./grader --help` prints in the workbook at `root`: a student edition's lists only
  /// the students' commands and options (`Workbook.isStudentEdition`).
  public static func usage(in root: URL) -> String {
    Workbook.isStudentEdition(at: root) ? HelpText.render(for: .everyone) : usage
  }

  /// The command's name, as spelled on the command line.
  public var name: Name {
    switch self {
    case .grade: .grade
    case .check: .check
    case .audit: .audit
    case .compare: .compare
    case .hint: .hint
    case .reset: .reset
    case .watch: .watch
    case .release: .release
    case .merge: .merge
    case .readme: .readme
    case .help: .help
    }
  }

  /// Parses the arguments after the program name.
  public init(arguments: [String]) throws {
    // `--help` wins wherever it stands: `./grader hint --help` shows the help, not an error.
    if arguments.contains(where: Option.isHelp) {
      self = .help
      return
    }
    let parsed = try ParsedArguments(arguments)
    let name = parsed.command
    try parsed.checkOptionsApply(to: name)
    switch name {
    case .grade:
      let options = try GradeOptions(parsed)
      try options.validate()
      self = .grade(options)
    case .check:
      self = .check(try CheckOptions(parsed))
    case .audit:
      let options = try AuditOptions(parsed)
      try options.validate()
      self = .audit(options)
    case .compare:
      let options = try CompareOptions(parsed)
      try options.validate()
      self = .compare(options)
    case .hint:
      self = .hint(chapter: try parsed.chapter(of: name))
    case .reset:
      self = .reset(chapter: try parsed.chapter(of: name), assumesYes: parsed.isGiven(.yes))
    case .watch:
      try parsed.checkNoPositionals()
      self = .watch(try Tuning(parsed))
    case .release:
      guard let folder = try parsed.optionalChapter() else {
        throw GraderError.usage(
          "release needs a folder to write, such as ./grader release ../workbook-students.")
      }
      self = .release(folder: folder)
    case .readme:
      try parsed.checkNoPositionals()
      self = .readme(try Tuning(parsed))
    case .merge:
      let options = try MergeOptions(parsed)
      try options.validate()
      self = .merge(options)
    case .help:
      self = .help
    }
  }
}
