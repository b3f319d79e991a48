import Foundation

/// The example of `./grader` in the READMEs: a block between markers, written from a real run of
/// the skeletons, so that it cannot drift from what the grader says.
///
/// `./grader readme` grades the skeletons and writes the block; `./grader check` compares each
/// README's table (every chapter's tests, points and status, and the total) with the skeletons'
/// grade it makes anyway, and fails when they differ.
struct ReadmeExample {
  let workbook: Workbook

  /// The files that hold the block: the workbook's README and the student edition's.
  static let files = ["README.md", "\(StudentEdition.templates)/\(StudentEdition.readmeTemplate.source)"]
  static let begin = "<!-- The block below is ./grader on the skeletons: ./grader readme writes it. -->"
  static let end = "<!-- End of the block ./grader readme writes. -->"

  /// The block, markers included, for the skeletons' grade `grade`.
  static func block(for grade: Grade) -> String {
    let report = Report(usesColor: false, isDetailed: false).render(grade)
    return [
      begin, "```console", "$ ./grader", "Building the exercises…",
      "Running \(grade.chapters.count) chapter suites…", report + "```", end,
    ].joined(separator: "\n")
  }

  /// What is wrong with each file's block, by file: no block, or another table than `grade`'s.
  func problems(for grade: Grade) -> [(file: String, problem: String?)] {
    let expected = Self.normalized(Self.block(for: grade))
    return Self.files.map { file in
      guard let text = try? String(contentsOf: workbook.root.appendingPathComponent(file), encoding: .utf8),
        let range = Self.blockRange(in: text)
      else {
        return (file, "no block between \(Self.begin) and \(Self.end): run ./grader readme")
      }
      guard Self.normalized(String(text[range])) != expected else { return (file, nil) }
      let total = { (block: String) in
        block.split(separator: "\n").first { $0.hasPrefix("    Total") }.map {
          $0.split(separator: " ").dropFirst().prefix(2).joined(separator: " ")
        } ?? "no total"
      }
      return (
        file,
        "its example of ./grader is not what the skeletons give (its total \(total(String(text[range]))), "
          + "theirs \(total(expected))): run ./grader readme"
      )
    }
  }

  /// Writes `grade`'s block into each file whose block shows another table; returns those files.
  func write(_ grade: Grade) throws -> [String] {
    var changed: [String] = []
    for file in Self.files {
      let url = workbook.root.appendingPathComponent(file)
      guard let text = try? String(contentsOf: url, encoding: .utf8), let range = Self.blockRange(in: text)
      else {
        throw GraderError.missingFile(
          "\(file) with a block between \(Self.begin) and \(Self.end)",
          remedy:
            "Put the two marker lines where the example of ./grader goes, then run ./grader readme again.")
      }
      // A new seed alone is no change: the README keeps the run it shows.
      guard Self.normalized(String(text[range])) != Self.normalized(Self.block(for: grade)) else { continue }
      let updated = text.replacingCharacters(in: range, with: Self.block(for: grade))
      try GraderError.whenFailing("writing \(file)") {
        try updated.write(to: url, atomically: true, encoding: .utf8)
      }
      changed.append(file)
    }
    return changed
  }

  /// The block of `text`, from its first marker to the end of its last.
  private static func blockRange(in text: String) -> Range<String.Index>? {
    guard let start = text.range(of: begin),
      let stop = text.range(of: end, range: start.upperBound..<text.endIndex)
    else { return nil }
    return start.lowerBound..<stop.upperBound
  }

  /// What must match in a block: its table, from the header row to the total (or, in a block
  /// without one, all of it), seeds left out.
  ///
  /// The lines after the table are the skeletons' failures, whose first failing line, and with
  /// `--races` the races seen, may differ from run to run: a check must never flake on them.
  private static func normalized(_ block: String) -> String {
    let lines = block.split(separator: "\n", omittingEmptySubsequences: false)
    let table: ArraySlice<Substring>
    if let header = lines.firstIndex(where: { $0.hasPrefix("    Chapter") }),
      let total = lines[header...].firstIndex(where: { $0.hasPrefix("    Total") })
    {
      table = lines[header...total]
    } else {
      table = lines[...]
    }
    return table.joined(separator: "\n").replacing(#/seed \d+/#) { _ in "seed N" }
  }
}
