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
  /// The commands that take it, in the order the help lists them.
  public let commands: [Command.Name]

  /// Every option, in the order `--help` lists them.
  public static let all: [Option] = [
    solutions, format, timeout, jobs, seed, races, repeatCount, hog, mutants, allMutants, submission,
    submissions,
    csv, resume, gradescope, junit, classroom, yes, help,
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
    name: "--solutions", help: "Grade Solutions/ instead of Exercises/.", commands: [.grade, .audit])
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
      + "graded at once, each in a workspace of its own, one build at a time (default 2).",
    commands: [.grade, .check, .audit])
  static let seed = Option(
    name: "--seed", valueName: "N",
    help: "Replay the random inputs of an earlier run (audit: the runs' seeds follow N).",
    commands: [.grade, .check, .audit, .compare, .watch])
  static let races = Option(
    name: "--races",
    help: "Build with ThreadSanitizer (in a build folder of its own) and give a chapter whose tests "
      + "pass but race the status \"data race\".",
    commands: [.grade, .check, .audit, .compare, .watch])
  static let repeatCount = Option(
    name: "--repeat", valueName: "N",
    help: "How many times the audit runs the tests (default \(AuditOptions.defaultRuns)); on its own, "
      + "./grader --repeat N starts the audit.",
    commands: [.audit])
  static let hog = Option(
    name: "--hog", help: "Keep every core busy with a spinning process while the audit runs.",
    commands: [.audit])
  static let mutants = Option(
    name: "--mutants",
    help: "Audit the wrong answers in Tests/Mutants instead: each must fail its chapter in every run.",
    commands: [.audit])
  static let allMutants = Option(
    name: "--all-mutants",
    help: "Grade every mutant of Tests/Mutants, not only the share of them that this commit's turn "
      + "picks (\(Mutants.roundsPerCheck) a chapter); the map of rules is checked in full either way.",
    commands: [.check])
  static let submission = Option(
    name: "--submission", valueName: "DIR",
    help: "Instructors: grade a student's folder or .zip (their Exercises/, or a whole copy of the "
      + "workbook) against this checkout's tests, in a scratch copy.",
    commands: [.grade, .compare])
  static let submissions = Option(
    name: "--submissions", valueName: "DIR",
    help: "Instructors: grade every hand-in in DIR, a subfolder or a .zip each (the student's id is "
      + "its name, without .zip).", commands: [.grade])
  static let csv = Option(
    name: "--csv", valueName: "FILE",
    help: "With --submissions: write a row a student as soon as each is graded: id, total, points a "
      + "chapter, status a chapter, seed, note.", commands: [.grade])
  static let resume = Option(
    name: "--resume",
    help: "With --submissions and --csv: keep the rows the CSV has and grade only the students it lacks.",
    commands: [.grade])
  static let gradescope = Option(
    name: "--gradescope", valueName: "PATH",
    help: "Also write Gradescope's results.json to PATH; with --submissions, PATH is a folder that "
      + "gets ID.json a student.",
    commands: [.grade])
  static let junit = Option(
    name: "--junit", valueName: "PATH",
    help: "Also write JUnit XML, a testsuite a chapter, to PATH; with --submissions, PATH is a folder "
      + "that gets ID.xml a student.",
    commands: [.grade])
  static let classroom = Option(
    name: "--classroom", valueName: "FILE",
    help: "Also write the grade as GitHub Classroom's autograding reporter reads it (one student's "
      + "grade: not with --submissions).",
    commands: [.grade])
  static let yes = Option(
    name: "--yes", alias: "-y", help: "Answer yes to reset's question.", commands: [.reset])
  static let help = Option(
    name: "--help", alias: "-h", help: "Show this help, whatever else the command line holds.",
    commands: Command.Name.allCases)

  private init(
    name: String, alias: String? = nil, valueName: String? = nil, help: String, commands: [Command.Name]
  ) {
    self.name = name
    self.alias = alias
    self.valueName = valueName
    self.help = help
    self.commands = commands
  }
}
