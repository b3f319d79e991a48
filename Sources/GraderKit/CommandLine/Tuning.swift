import Foundation

/// The options that tune how chapters are graded: deadline, parallelism, seed and ThreadSanitizer.
public struct Tuning: CommandOptions {
  /// A deadline for every chapter's tests (`--timeout`).
  public var timeout: Duration?
  /// How many chapters' tests run at once (`--jobs`).
  public var jobs: Int?
  /// The seed of the random inputs, to replay a run (`--seed`).
  public var seed: UInt64?
  /// Build with ThreadSanitizer and flag chapters whose tests pass but race (`--races`).
  public var detectsRaces = false
  /// Write each test's timeline under `.grader/traces/` (`--trace`).
  public var writesTraces = false

  public init() {}

  init(_ arguments: ParsedArguments) throws {
    timeout = try arguments.value(of: .timeout).map { text in
      guard let seconds = Int(text), seconds > 0 else {
        throw GraderError.usage("--timeout takes a whole number of seconds, not '\(text)'.")
      }
      return .seconds(seconds)
    }
    jobs = try arguments.count(of: .jobs)
    seed = try arguments.value(of: .seed).map { text in
      guard let number = UInt64(text) else {
        throw GraderError.usage("--seed takes a whole number, not '\(text)'.")
      }
      return number
    }
    detectsRaces = arguments.isGiven(.races)
    writesTraces = arguments.isGiven(.trace)
  }

  /// Applies the options to a grader; its traces go to `.grader/traces` under `root`, the
  /// checkout the command was run in (a hand-in's grader works in a scratch copy of it).
  public func configure(_ grader: inout Grader, tracesUnder root: URL? = nil) {
    if let timeout { grader.deadline = timeout }
    if let jobs { grader.jobs = jobs }
    if let seed { grader.seed = seed }
    grader.detectsRaces = detectsRaces
    if writesTraces {
      grader.tracesFolder = (root ?? grader.workbook.root).appendingPathComponent(Grader.tracesPath)
    }
  }
}
