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
  /// Where Gradescope's `results.json` goes (`--gradescope`).
  public var gradescopeFile: String?
  /// Where the JUnit XML goes (`--junit`).
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
    let export =
      gradescopeFile != nil
      ? "--gradescope" : junitFile != nil ? "--junit" : classroomFile != nil ? "--classroom" : nil
    if submissions != nil, let option = export {
      throw GraderError.usage(
        "\(option) writes one student's grade, so it does not go with --submissions: grade each "
          + "student with --submission DIR \(option) FILE, or write the class's grades with --csv FILE.")
    }
    let student = submission != nil ? "--submission" : submissions != nil ? "--submissions" : nil
    if sources == .solutions, let option = student {
      throw GraderError.usage(
        "--solutions grades this checkout's solutions and \(option) a student's work: give one of them.")
    }
  }
}
