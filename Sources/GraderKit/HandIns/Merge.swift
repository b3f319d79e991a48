import Foundation

/// The parts of a class graded in shares (`--shard K/N`), joined into one gradebook: `./grader merge`.
///
/// A part is a CSV file that `--csv` wrote or a JSON lines file that `--json` wrote; which one is
/// read from its first character. The whole is written only when the parts hold every student
/// once: a student graded in two parts, or, given the hand-ins, one graded in none (a share whose
/// job failed), is a problem to fix first, never a gradebook with a hole or a double.
struct GradebookMerge {
  /// One student's row or line, and the part it came from.
  struct Entry {
    var id: String
    var part: String
    /// The CSV row's cells, or the JSON line.
    var cells: [String]
  }

  /// The CSV parts' header, the same in each.
  private(set) var header: [String]?
  private(set) var rows: [Entry] = []
  private(set) var lines: [Entry] = []

  /// Reads every part; a file that is neither kind, or CSV parts of other chapters, is bad usage.
  init(parts: [String]) throws {
    for part in parts {
      guard let text = try? String(contentsOfFile: part, encoding: .utf8) else {
        throw GraderError.missingFile(
          part,
          remedy:
            "merge joins the files that ./grader --submissions DIR --shard K/N wrote with --csv or --json.")
      }
      // A share with no student (more shares than hand-ins) writes an empty JSON lines file.
      if text.allSatisfy(\.isWhitespace) { continue }
      if text.first(where: { !$0.isWhitespace }) == "{" {
        try readLines(text, of: part)
      } else {
        try readRows(text, of: part)
      }
    }
  }

  private mutating func readLines(_ text: String, of part: String) throws {
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where !line.allSatisfy(\.isWhitespace) {
      guard let entry = try? JSONDecoder().decode(Gradebook.JSONLine.self, from: Data(line.utf8)) else {
        throw GraderError.usage(
          "\(part), line \(index + 1), is not a grade that --json wrote: a part is the whole file a shard wrote."
        )
      }
      lines.append(Entry(id: entry.id, part: part, cells: [String(line)]))
    }
  }

  private mutating func readRows(_ text: String, of part: String) throws {
    let records = Gradebook.records(text)
    guard let first = records.first, first.first == "id" else {
      throw GraderError.usage(
        "\(part) is neither a CSV that --csv wrote (its first cell is id) nor JSON lines that --json wrote.")
    }
    if let header, header != first {
      throw GraderError.usage(
        "\(part) has other columns than \(rows.first?.part ?? "the first part"): the parts of one class grade the same chapters."
      )
    }
    header = first
    for row in records.dropFirst() where row != [""] {
      rows.append(Entry(id: Gradebook.unescapedID(row[0]), part: part, cells: row))
    }
  }

  /// What keeps the parts from being the class, a sentence each; empty when they are.
  ///
  /// `students` are the ids of the hand-ins (`--submissions DIR`), when known.
  func problems(students: [String]?) -> [String] {
    var problems: [String] = []
    for (kind, entries) in [("CSV", rows), ("JSON lines", lines)] where !entries.isEmpty {
      let byID = Dictionary(grouping: entries, by: \.id)
      for (id, found) in byID.sorted(by: { $0.key < $1.key }) where found.count > 1 {
        problems.append(
          "\(id) is graded \(found.count) times in the \(kind) parts: \(found.map(\.part).joined(separator: ", "))."
        )
      }
      guard let students else { continue }
      let missing = Set(students).subtracting(byID.keys).sorted()
      if !missing.isEmpty {
        problems.append(
          "\(missing.count) of the \(students.count) hand-ins are in no \(kind) part (a share not graded, or "
            + "its part not given): \(Self.list(missing)).")
      }
      let strangers = Set(byID.keys).subtracting(students).sorted()
      if !strangers.isEmpty {
        problems.append(
          "\(strangers.count) ids of the \(kind) parts are no hand-in's: \(Self.list(strangers)).")
      }
    }
    if !rows.isEmpty && !lines.isEmpty {
      let (inRows, inLines) = (Set(rows.map(\.id)), Set(lines.map(\.id)))
      if inRows != inLines {
        problems.append(
          "the CSV and the JSON lines parts hold other students: only in the CSV, "
            + "\(Self.list(inRows.subtracting(inLines).sorted())); only in the JSON lines, "
            + "\(Self.list(inLines.subtracting(inRows).sorted())).")
      }
    }
    return problems
  }

  /// The merged CSV: the header, then a row a student in id order.
  var csv: String? {
    header.map { header in
      ([header] + rows.sorted { $0.id < $1.id }.map(\.cells))
        .map { $0.map(Gradebook.quoted).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
  }

  /// The merged JSON lines, in id order.
  var jsonLines: String {
    lines.sorted { $0.id < $1.id }.map { $0.cells[0] + "\n" }.joined()
  }

  /// How many students the merged files hold.
  var studentCount: Int { Set(rows.map(\.id) + lines.map(\.id)).count }

  private static func list(_ ids: [String]) -> String {
    ids.isEmpty ? "none" : ids.prefix(10).joined(separator: ", ") + (ids.count > 10 ? ", …" : "")
  }
}
