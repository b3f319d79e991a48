import WorkbookCore

/// The text of `./grader --help`, generated from the commands and from `Option.all`.
enum HelpText {
  /// The width the help's lines are wrapped to.
  static let width = 100

  /// The help for `audience`: `.instructors` lists everything, `.everyone` only what students use.
  static func render(for audience: Option.Audience = .instructors) -> String {
    let shown = { (who: Option.Audience) in audience == .instructors || who == .everyone }
    let commands = Command.Name.allCases.filter { shown($0.audience) }
    let options = Option.all.filter { shown($0.audience) }
    let usage = commands.filter { $0 != .help }.map { name in
      "./grader \(name.synopsis)\(optionsSynopsis(of: name, among: options))"
    }
    let students = audience == .everyone
    let exitCodes =
      students
      ? """
        0  every chapter graded passed
        1  some chapter did not pass
        2  bad usage: an unknown command, option or chapter, an option the command does not take,
           or options that do not go together
        3  the workbook or the environment is broken: not found, its shared code does not build, a
           folder or file it needs is missing, or a file operation failed
      """
      : """
        0  every chapter graded passed (check: every invariant holds; audit: no test ever failed)
        1  some chapter did not pass (check: some invariant is broken; audit: some test failed;
           merge: the parts do not hold every student once, and nothing was written)
        2  bad usage: an unknown command, option or chapter, an option the command does not take,
           or options that do not go together
        3  the workbook or the environment is broken: not found, its shared code does not build, a
           folder or file it needs is missing, a zip to grade and no unzip, or a file operation or
           a tool (cp, git) failed; or the command needs the answer key (check, compare,
           --solutions) in a student edition
      """
    let examples =
      [
        ("./grader", "grade everything you have done so far"),
        ("./grader 02", "chapter 2, with every failure message and where to find hints"),
        ("./grader hint 02", "chapter 2's next hint"),
        ("./grader --format json", "for scripts"),
      ]
      + (students
        ? []
        : [
          ("./grader --solutions --repeat 50 --hog", "maintainers: the flake audit"),
          ("./grader --submissions hand-ins --csv grades.csv", "instructors: a whole class (folders, zips)"),
          ("./grader --submissions hand-ins --csv grades.csv --resume", "... the students it lacks"),
          (
            "./grader --submissions hand-ins --shard 2/4 --json part-2.jsonl", "... the second of four shares"
          ),
          (
            "./grader merge part-*.jsonl --json grades.jsonl --submissions hand-ins",
            "... the shares joined"
          ),
          ("./grader release ../workbook-students", "instructors: the edition to hand out"),
        ])
    // The short commands' words line up; a long one is followed by three spaces.
    let exampleLines = examples.map { command, what in
      "  " + command + String(repeating: " ", count: max(3, 25 - command.count)) + what
    }
    return """
      USAGE: \(usage.joined(separator: "\n       "))

      Grades the workbook's chapters: builds them, runs each chapter's tests in a process of its
      own, and prints a table with the failing behaviours of each chapter.

      COMMANDS:
      \(table(commands.map { ($0.synopsis, $0.summary) }))

      OPTIONS:
      \(table(options.map { (spelling(of: $0), help(of: $0, commands: commands, for: audience)) }))

      EXIT CODES:
      \(exitCodes)

      EXAMPLES:
      \(exampleLines.joined(separator: "\n"))
      """
  }

  /// `[OPTIONS]`, or the one option a command takes besides `--help`, or nothing.
  private static func optionsSynopsis(of name: Command.Name, among shown: [Option]) -> String {
    let options = name.options.filter { $0 != .help && shown.contains($0) }
    switch options.count {
    case 0: return ""
    case 1: return " [\(spelling(of: options[0], withAlias: false))]"
    default: return " [OPTIONS]"
    }
  }

  /// How an option is written: `-h, --help` or `--timeout SECS`.
  private static func spelling(of option: Option, withAlias: Bool = true) -> String {
    let alias = withAlias ? option.alias.map { "\($0), " } ?? "" : ""
    return alias + option.name + (option.valueName.map { " \($0)" } ?? "")
  }

  /// An option's help, followed by the commands listed that take it unless every one does.
  private static func help(of option: Option, commands: [Command.Name], for audience: Option.Audience)
    -> String
  {
    let text = audience == .everyone ? option.studentHelp ?? option.help : option.help
    let takers = option.commands.filter(commands.contains)
    guard takers.count < commands.count else { return text }
    return text + " [" + takers.map(\.rawValue).joined(separator: ", ") + "]"
  }

  /// Two columns, the second wrapped to `width` and aligned past the widest entry of the first.
  private static func table(_ rows: [(String, String)]) -> String {
    let indent = 2
    let column = indent + (rows.map(\.0.count).max() ?? 0) + 2
    return rows.map { left, right in
      let lead = String(repeating: " ", count: indent) + left
      let lines = right.wrapped(to: width - column)
      let pad = String(repeating: " ", count: column - lead.count)
      let rest = lines.dropFirst().map { String(repeating: " ", count: column) + $0 }
      return ([lead + pad + (lines.first ?? "")] + rest).joined(separator: "\n")
    }
    .joined(separator: "\n")
  }
}
