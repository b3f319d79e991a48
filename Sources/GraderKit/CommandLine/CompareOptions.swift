/// The options of `./grader compare CHAPTER`: whose work to set beside the solution.
public struct CompareOptions: CommandOptions {
  public var chapter: String
  /// A student's folder to compare instead of this checkout's `Exercises/` (`--submission`).
  public var submission: String?
  public var tuning = Tuning()

  public init(chapter: String) {
    self.chapter = chapter
  }

  init(_ arguments: ParsedArguments) throws {
    chapter = try arguments.chapter(of: .compare)
    submission = arguments.value(of: .submission)
    tuning = try Tuning(arguments)
  }
}
