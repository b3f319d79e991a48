import Foundation

/// What the student or maintainer asked for on the command line.
public struct Command: Equatable, Sendable {
  public enum Action: Equatable, Sendable {
    /// Grade all chapters, or the one named.
    case grade(chapter: String?)
    /// The maintainers' test of every invariant.
    case check
    /// A chapter's tests and files beside the solution's.
    case compare(chapter: String)
    /// The next of a chapter's staged hints.
    case hint(chapter: String)
    /// Put a chapter's skeleton back.
    case reset(chapter: String)
    /// Grade the chapter being edited on every save.
    case watch
    case help
  }

  public enum Format: String, Sendable { case text, json }

  public var action: Action = .grade(chapter: nil)
  public var sources: Sources = .exercises
  public var format: Format = .text
  public var timeout: Duration?
  public var jobs: Int?
  public var seed: UInt64?
  /// Run the suites this many times and report every test that ever failed (`--repeat`).
  public var repeatCount: Int?
  /// Keep every core busy while the suites run (`--hog`).
  public var hogsCPUs = false
  /// A student's folder to grade instead of this checkout's `Exercises/`.
  public var submission: String?
  /// A folder of students' folders to grade one after another.
  public var submissions: String?
  public var csvFile: String?
  public var gradescopeFile: String?
  public var junitFile: String?
  /// Build with ThreadSanitizer and flag chapters whose tests pass but race (`--races`).
  public var detectsRaces = false
  /// Answer yes to `reset`'s question.
  public var assumesYes = false

  public static let usage = """
    USAGE: ./grader [CHAPTER] [OPTIONS]
           ./grader hint CHAPTER | reset CHAPTER | watch
           ./grader compare CHAPTER [--submission DIR]
           ./grader check [OPTIONS]

    Grades the workbook's chapters: builds them, runs each chapter's tests in a process of its
    own, and prints a table with the failing behaviours of each chapter.

    COMMANDS:
      (none)          Grade every chapter of Exercises/.
      CHAPTER         Grade one chapter in detail: 02, 2, CounterLocking or 02-CounterLocking.
      hint CHAPTER    Show the chapter's next hint (each call shows one more).
      reset CHAPTER   Put the chapter's skeleton back, after asking (--yes skips the question).
      watch           Grade the chapter you are editing every time you save; Ctrl-C stops.
      compare CHAPTER Instructors: each test's result and each file, student beside solution.
      check           Maintainers: every solution passes every test, every skeleton fails every
                      test, Exercises/ and Solutions/ mirror each other, every chapter has its
                      lesson, hints and TODOs, and the grader's own tests pass.

    OPTIONS:
      --solutions     Grade Solutions/ instead of Exercises/.
      --format FORMAT text (default) or json: the grade as JSON on standard output, progress on
                      standard error.
      --timeout SECS  How long one chapter's tests may run before they are stopped (default 120).
      --jobs N        How many chapters' tests run at once (default 2).
      --seed N        Replay the random inputs of an earlier run.
      --races         Build with ThreadSanitizer (in a build folder of its own) and give a
                      chapter whose tests pass but race the status "data race".
      --repeat N      Flake audit: run the tests N times on one build, each run with new random
                      inputs, and list every test that ever failed (with the seeds to replay).
      --hog           With --repeat: keep every core busy with a spinning process meanwhile.
      --submission DIR   Instructors: grade a student's folder (their Exercises/, or a whole
                      copy of the workbook) against this checkout's tests, in a scratch copy.
      --submissions DIR  Instructors: grade every student folder in DIR, one after another.
      --csv FILE      With --submissions: a row a student, points and status a chapter.
      --gradescope FILE  Also write Gradescope's results.json.
      --junit FILE    Also write JUnit XML, a testsuite a chapter.
      --yes           Answer yes to reset's question.
      -h, --help      Show this help.

    EXIT CODES:
      0  every chapter graded passed (check: every invariant holds)
      1  some chapter did not pass (check: some invariant is broken)
      2  bad usage: an unknown option or chapter
      3  the workbook itself is broken: not found, or its shared code does not build

    EXAMPLES:
      ./grader                 grade everything you have done so far
      ./grader 02              chapter 2, with every failure message and where to find hints
      ./grader --format json   for scripts
      ./grader --solutions --repeat 50 --hog   maintainers: the flake audit
      ./grader --submissions hand-ins --csv grades.csv   instructors: a whole class
    """

  public init() {}

  /// Parses the arguments after the program name.
  public init(arguments: [String]) throws {
    // `--help` wins wherever it stands: `./grader hint --help` shows the help, not an error.
    if arguments.contains("--help") || arguments.contains("-h") {
      action = .help
      return
    }
    var remaining = arguments[...]
    func value(of option: String) throws -> String {
      guard let value = remaining.popFirst(), !value.hasPrefix("--") else {
        throw GraderError.usage("\(option) needs a value.")
      }
      return value
    }
    while let argument = remaining.popFirst() {
      switch argument {
      case "-h", "--help", "help": action = .help
      case "check" where action == .grade(chapter: nil): action = .check
      case "--solutions": sources = .solutions
      case "--format":
        let text = try value(of: argument)
        guard let parsed = Format(rawValue: text) else {
          throw GraderError.usage("--format takes text or json, not '\(text)'.")
        }
        format = parsed
      case "--timeout":
        let text = try value(of: argument)
        guard let seconds = Int(text), seconds > 0 else {
          throw GraderError.usage("--timeout takes a whole number of seconds, not '\(text)'.")
        }
        timeout = .seconds(seconds)
      case "--jobs":
        let text = try value(of: argument)
        guard let count = Int(text), count > 0 else {
          throw GraderError.usage("--jobs takes a number of 1 or more, not '\(text)'.")
        }
        jobs = count
      case "--seed":
        let text = try value(of: argument)
        guard let number = UInt64(text) else {
          throw GraderError.usage("--seed takes a whole number, not '\(text)'.")
        }
        seed = number
      case "--repeat":
        let text = try value(of: argument)
        guard let count = Int(text), count > 0 else {
          throw GraderError.usage("--repeat takes a number of 1 or more, not '\(text)'.")
        }
        repeatCount = count
      case "--hog": hogsCPUs = true
      case "--submission": submission = try value(of: argument)
      case "--submissions": submissions = try value(of: argument)
      case "--csv": csvFile = try value(of: argument)
      case "--gradescope": gradescopeFile = try value(of: argument)
      case "--junit": junitFile = try value(of: argument)
      case "--yes", "-y": assumesYes = true
      case "--races": detectsRaces = true
      case "watch" where action == .grade(chapter: nil): action = .watch
      case "compare", "hint", "reset":
        guard action == .grade(chapter: nil) else {
          throw GraderError.usage("Unexpected argument '\(argument)'.")
        }
        guard let chapter = remaining.popFirst(), !chapter.hasPrefix("-") else {
          throw GraderError.usage("\(argument) needs a chapter, such as ./grader \(argument) 02.")
        }
        action =
          argument == "compare"
          ? .compare(chapter: chapter)
          : argument == "hint" ? .hint(chapter: chapter) : .reset(chapter: chapter)
      case let option where option.hasPrefix("-"):
        throw GraderError.usage("Unknown option '\(option)'.")
      default:
        guard action == .grade(chapter: nil) else {
          throw GraderError.usage("Unexpected argument '\(argument)'.")
        }
        action = .grade(chapter: argument)
      }
    }
    if submission != nil && submissions != nil {
      throw GraderError.usage("--submission and --submissions go one at a time.")
    }
    if csvFile != nil && submissions == nil {
      throw GraderError.usage("--csv goes with --submissions DIR.")
    }
    if hogsCPUs && repeatCount == nil {
      throw GraderError.usage("--hog goes with --repeat N.")
    }
  }

  /// Applies the options that tune a grader.
  public func configure(_ grader: inout Grader) {
    if let timeout { grader.deadline = timeout }
    if let jobs { grader.jobs = jobs }
    if let seed { grader.seed = seed }
    grader.detectsRaces = detectsRaces
  }
}
