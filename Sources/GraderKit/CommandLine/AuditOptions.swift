/// The options of the flake audit, `./grader audit` or `./grader --repeat N [--hog]`.
public struct AuditOptions: CommandOptions {
  /// How many runs an audit makes when `--repeat` does not say.
  public static let defaultRuns = 10

  /// The chapter to audit; nil audits every chapter.
  public var chapter: String?
  /// Exercises, or the solutions with `--solutions`.
  public var sources: Sources = .exercises
  /// How many times the suites run (`--repeat`).
  public var runs = Self.defaultRuns
  /// Keep every core busy while the suites run (`--hog`).
  public var hogsCPUs = false
  /// Audit the mutants of `Tests/Mutants` rather than a source set (`--mutants`).
  public var auditsMutants = false
  /// With `--mutants`, the mutants to audit by name or label (`--only`); empty audits them all.
  public var onlyMutants: [String] = []
  public var tuning = Tuning()

  public init() {}

  init(_ arguments: ParsedArguments) throws {
    chapter = try arguments.optionalChapter()
    if arguments.isGiven(.solutions) { sources = .solutions }
    runs = try arguments.count(of: .repeatCount) ?? Self.defaultRuns
    hogsCPUs = arguments.isGiven(.hog)
    auditsMutants = arguments.isGiven(.mutants)
    onlyMutants = (arguments.value(of: .only) ?? "").split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
    tuning = try Tuning(arguments)
  }

  func validate() throws {
    if auditsMutants && sources == .solutions {
      throw GraderError.usage(
        "--mutants audits the wrong answers in Tests/Mutants, not --solutions: give one.")
    }
    if !onlyMutants.isEmpty && !auditsMutants {
      throw GraderError.usage("--only picks mutants to audit: add --mutants.")
    }
  }
}
