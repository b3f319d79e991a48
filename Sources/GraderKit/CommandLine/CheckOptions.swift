/// The options of the maintainers' test, `./grader check`.
public struct CheckOptions: CommandOptions {
  /// Grade every mutant of `Tests/Mutants`, not only this commit's share (`--all-mutants`).
  public var gradesAllMutants = false
  public var tuning = Tuning()

  public init() {}

  init(_ arguments: ParsedArguments) throws {
    try arguments.checkNoPositionals()
    gradesAllMutants = arguments.isGiven(.allMutants)
    tuning = try Tuning(arguments)
  }
}
