/// One option of the command line, declared once: its spelling, its value, its help and its commands.
///
/// `Option.all` drives both the parser (`ParsedArguments`) and `./grader --help` (`HelpText`), so
/// an option cannot be parsed without being documented, nor taken by a command it does not list.
public struct Option: Hashable, Sendable {
  /// The long spelling, such as `--timeout`.
  public let name: String
  /// A short spelling, such as `-h`.
  public let alias: String?
  /// The name of the value it takes, such as `SECS`; nil for a flag.
  public let valueName: String?
  /// What it does, for `--help`.
  public let help: String
  /// What it does, for a student edition's `--help`, where `help` speaks of instructors' options.
  public let studentHelp: String?
  /// The commands that take it, in the order the help lists them.
  public let commands: [Command.Name]
  /// Who the help shows it to: a student edition's help leaves out what only instructors use.
  public let audience: Audience

  /// Who an option or a command is for.
  public enum Audience: Sendable {
    /// Students and instructors: every edition's help lists it.
    case everyone
    /// Instructors and maintainers, with the answer key: only the instructor edition's help lists it.
    case instructors
  }

  /// Every option, in the order `--help` lists them.
  public static let all: [Option] = [
    solutions, format, timeout, jobs, seed, races, trace, repeatCount, hog, mutants, only, allMutants,
    submission, submissions, csv, json, resume, shard, gradescope, junit, classroom, yes, help,
  ]

  /// The option spelled `spelling` (long or short), if there is one.
  static func named(_ spelling: String) -> Option? {
    all.first { $0.name == spelling || $0.alias == spelling }
  }

  /// Whether `argument` asks for the help, which wins wherever it stands.
  static func isHelp(_ argument: String) -> Bool {
    argument == help.name || argument == help.alias
  }

  static let solutions = Option(
    name: "--solutions", audience: .instructors, help: "Grade Solutions/ instead of Exercises/.",
    commands: [.grade, .audit])
  static let format = Option(
    name: "--format", valueName: "FORMAT",
    help: "text (default) or json: the grade as JSON on standard output, progress on standard error.",
    commands: [.grade])
  static let timeout = Option(
    name: "--timeout", valueName: "SECS",
    help: "How long one chapter's tests may run before they are stopped (default 120).",
    commands: [.grade, .check, .audit, .compare, .watch])
  static let jobs = Option(
    name: "--jobs", valueName: "N",
    help: "How many chapters' tests run at once (default 2); with --submissions, how many students are "
      + "graded at once (default 2), one build at a time (with GRADER_SHARED_BUILDS=1, each chapter's "
      + "contents built once for the batch).",
    studentHelp: "How many chapters' tests run at once (default 2).", commands: [.grade, .check, .audit])
  static let seed = Option(
    name: "--seed", valueName: "N",
    help: "Replay the random inputs of an earlier run (audit: the runs' seeds follow N).",
    studentHelp: "Replay the random inputs of an earlier run (each run prints its seed).",
    commands: [.grade, .check, .audit, .compare, .watch])
  static let races = Option(
    name: "--races",
    help: "Build with ThreadSanitizer (in a build folder of its own) and give a chapter whose tests "
      + "pass but race the status \"data race\".",
    commands: [.grade, .check, .audit, .compare, .watch])
  static let trace = Option(
    name: "--trace",
    help: "Write each test's timeline under .grader/traces/NN/: Trace Event Format JSON (open it in "
      + "ui.perfetto.dev or chrome://tracing) and an SVG; the solutions' go in reference/ beside them.",
    commands: [.grade, .compare])
  static let repeatCount = Option(
    name: "--repeat", audience: .instructors, valueName: "N",
    help: "How many times the audit runs the tests (default \(AuditOptions.defaultRuns)); on its own, "
      + "./grader --repeat N starts the audit.",
    commands: [.audit])
  static let hog = Option(
    name: "--hog", audience: .instructors,
    help: "Keep every core busy with a spinning process while the audit runs.",
    commands: [.audit])
  static let mutants = Option(
    name: "--mutants", audience: .instructors,
    help: "Audit the wrong answers in Tests/Mutants instead: each must fail its chapter in every run.",
    commands: [.audit])
  static let only = Option(
    name: "--only", audience: .instructors, valueName: "NAMES",
    help: "With --mutants: audit only these mutants, comma-separated, each a patch's name without "
      + ".patch (fetch-under-lock) or with its chapter (05-ConcurrentScraper/fetch-under-lock).",
    commands: [.audit])
  static let allMutants = Option(
    name: "--all-mutants", audience: .instructors,
    help: "Grade every mutant of Tests/Mutants, not only the share of them that this commit's turn "
      + "picks (\(Mutants.roundsPerCheck) a chapter); the map of rules is checked in full either way.",
    commands: [.check])
  static let submission = Option(
    name: "--submission", audience: .instructors, valueName: "DIR",
    help: "Instructors: grade a student's folder or .zip (their Exercises/, or a whole copy of the "
      + "workbook) against this checkout's tests, in a scratch copy.",
    commands: [.grade, .compare])
  static let submissions = Option(
    name: "--submissions", audience: .instructors, valueName: "DIR",
    help: "Instructors: grade every hand-in in DIR, a subfolder or a .zip each (the student's id is "
      + "its name, without .zip); with merge, the hand-ins whose every student the parts must hold "
      + "once.", commands: [.grade, .merge])
  static let csv = Option(
    name: "--csv", audience: .instructors, valueName: "FILE",
    help: "With --submissions: write a row a student as soon as each is graded: id, total, points a "
      + "chapter, status a chapter, seed, note; with merge, where the merged CSV goes.",
    commands: [.grade, .merge])
  static let json = Option(
    name: "--json", audience: .instructors, valueName: "FILE",
    help: "With --submissions: write a line of JSON a student as soon as each is graded: the raw id, "
      + "total, points and status a chapter, seed, isolation, note; with merge, where the merged "
      + "lines go.", commands: [.grade, .merge])
  static let resume = Option(
    name: "--resume", audience: .instructors,
    help: "With --submissions and --csv or --json: keep what the files hold and grade only the students "
      + "they lack.", commands: [.grade])
  static let shard = Option(
    name: "--shard", audience: .instructors, valueName: "K/N",
    help: "With --submissions: grade only the K-th of N shares of the hand-ins, sorted by id (merge "
      + "joins the parts).", commands: [.grade])
  static let gradescope = Option(
    name: "--gradescope", audience: .instructors, valueName: "PATH",
    help: "Also write Gradescope's results.json to PATH; with --submissions, PATH is a folder that "
      + "gets ID.json a student.",
    commands: [.grade])
  static let junit = Option(
    name: "--junit", valueName: "PATH",
    help: "Also write JUnit XML, a testsuite a chapter, to PATH; with --submissions, PATH is a folder "
      + "that gets ID.xml a student.",
    studentHelp: "Also write JUnit XML, a testsuite a chapter, to PATH.", commands: [.grade])
  static let classroom = Option(
    name: "--classroom", valueName: "FILE",
    help: "Also write the grade as GitHub Classroom's autograding reporter reads it, lines for "
      + "$GITHUB_ENV with a runner a chapter (one student's grade: not with --submissions).",
    studentHelp: "Also write the grade as GitHub Classroom's autograding reporter reads it.",
    commands: [.grade])
  static let yes = Option(
    name: "--yes", alias: "-y", help: "Answer yes to reset's question.", commands: [.reset])
  static let help = Option(
    name: "--help", alias: "-h", help: "Show this help, whatever else the command line holds.",
    commands: Command.Name.allCases)

  private init(
    name: String, alias: String? = nil, audience: Audience = .everyone, valueName: String? = nil,
    help: String, studentHelp: String? = nil, commands: [Command.Name]
  ) {
    self.name = name
    self.alias = alias
    self.audience = audience
    self.valueName = valueName
    self.help = help
    self.studentHelp = studentHelp
    self.commands = commands
  }
}
