/// The options of `./grader merge PART…`: the parts of a sharded batch and where the whole goes.
public struct MergeOptions: CommandOptions {
  /// The parts: CSV files and JSON lines files that `--submissions --shard K/N` wrote.
  public var parts: [String]
  /// Where the merged CSV goes (`--csv`).
  public var csvFile: String?
  /// Where the merged JSON lines go (`--json`).
  public var jsonFile: String?
  /// The hand-ins folder whose every student the parts must hold (`--submissions`).
  public var submissions: String?

  public init(parts: [String]) {
    self.parts = parts
  }

  init(_ arguments: ParsedArguments) throws {
    parts = arguments.positionals
    csvFile = arguments.value(of: .csv)
    jsonFile = arguments.value(of: .json)
    submissions = arguments.value(of: .submissions)
  }

  func validate() throws {
    if parts.isEmpty {
      throw GraderError.usage(
        "merge needs the parts to join, such as ./grader merge part-*.csv --csv grades.csv.")
    }
    if csvFile == nil && jsonFile == nil {
      throw GraderError.usage("merge writes the whole to --csv FILE, --json FILE or both: give one.")
    }
    if let output = [csvFile, jsonFile].compactMap({ $0 }).first(where: parts.contains) {
      throw GraderError.usage("\(output) is a part and the merged file: write the whole to another file.")
    }
  }
}
