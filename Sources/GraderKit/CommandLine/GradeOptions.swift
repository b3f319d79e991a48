/// The options of `./grader [grade] [CHAPTER]`: what to grade, how, and where the results go.
public struct GradeOptions: CommandOptions {
  /// How the grade is printed (`--format`).
  public enum Format: String, Sendable { case text, json }

  /// The chapter to grade in detail; nil grades every chapter.
  public var chapter: String?
  /// Exercises, or the solutions with `--solutions`.
  public var sources: Sources = .exercises
  public var format: Format = .text
  public var tuning = Tuning()
  /// A student's folder to grade instead of this checkout's `Exercises/` (`--submission`).
  public var submission: String?
  /// A folder of students' folders to grade one after another (`--submissions`).
  public var submissions: String?
  /// Where `--submissions` writes its table of grades (`--csv`).
  public var csvFile: String?
  /// Where `--submissions` writes a line of JSON a student (`--json`).
  public var jsonFile: String?
  /// Whether a batch keeps the CSV's rows and grades only the students it lacks (`--resume`).
  public var resumes = false
  /// The share of the hand-ins to grade (`--shard K/N`); nil grades them all.
  public var shard: Shard?
  /// Where Gradescope's `results.json` goes (`--gradescope`); with `--submissions`, a folder.
  public var gradescopeFile: String?
  /// Where the JUnit XML goes (`--junit`); with `--submissions`, a folder.
  public var junitFile: String?
  /// Where GitHub Classroom's autograding results go (`--classroom`).
  public var classroomFile: String?

  public init() {}

  init(_ arguments: ParsedArguments) throws {
    chapter = try arguments.optionalChapter()
    if arguments.isGiven(.solutions) { sources = .solutions }
    if let text = arguments.value(of: .format) {
      guard let parsed = Format(rawValue: text) else {
        throw GraderError.usage("--format takes text or json, not '\(text)'.")
      }
      format = parsed
    }
    tuning = try Tuning(arguments)
    submission = arguments.value(of: .submission)
    submissions = arguments.value(of: .submissions)
    csvFile = arguments.value(of: .csv)
    jsonFile = arguments.value(of: .json)
    resumes = arguments.isGiven(.resume)
    shard = try arguments.value(of: .shard).map(Shard.init(parsing:))
    gradescopeFile = arguments.value(of: .gradescope)
    junitFile = arguments.value(of: .junit)
    classroomFile = arguments.value(of: .classroom)
  }

  func validate() throws {
    if submission != nil && submissions != nil {
      throw GraderError.usage("--submission and --submissions go one at a time.")
    }
    if csvFile != nil && submissions == nil {
      throw GraderError.usage("--csv goes with --submissions DIR.")
    }
    if jsonFile != nil && submissions == nil {
      throw GraderError.usage("--json goes with --submissions DIR.")
    }
    if shard != nil && submissions == nil {
      throw GraderError.usage("--shard goes with --submissions DIR: it grades a share of its hand-ins.")
    }
    if resumes && (submissions == nil || (csvFile == nil && jsonFile == nil)) {
      throw GraderError.usage(
        "--resume goes with --submissions DIR and --csv FILE or --json FILE: the files say whom to skip.")
    }
    if submissions != nil && classroomFile != nil {
      throw GraderError.usage(
        "--classroom writes one student's grade, so it does not go with --submissions: grade each "
          + "student with --submission DIR --classroom FILE, or write the class's grades with --csv FILE.")
    }
    let student = submission != nil ? "--submission" : submissions != nil ? "--submissions" : nil
    if sources == .solutions, let option = student {
      throw GraderError.usage(
        "--solutions grades this checkout's solutions and \(option) a student's work: give one of them.")
    }
  }
}
