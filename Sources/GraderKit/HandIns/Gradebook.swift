import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A class's grades as CSV for a spreadsheet or an LMS gradebook: a row a student.
///
/// Columns: `id`, `total`, each chapter's points, each chapter's status, the `seed` that replays
/// the student's run (`--seed`), a `note` that says why a hand-in was not graded as a whole, and
/// the `sandbox` its suites ran in (`namespaces`, `uid`, `profile` or `none`): what the row is worth.
/// A cell a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, a tab or a carriage return
/// first) starts with `'`, so a student named `=HYPERLINK(…)` stays text.
public struct Gradebook: Sendable {
  public let chapters: [Chapter]

  public init(chapters: [Chapter]) {
    self.chapters = chapters
  }

  /// The header row, without its line break.
  public var header: String {
    line(
      ["id", "total"] + chapters.map { "\($0.number) points" } + chapters.map { "\($0.number) status" } + [
        "seed", "note", "sandbox",
      ])
  }

  /// A student's row, without its line break; `note` says why the hand-in was not graded whole.
  public func row(_ grade: Grade, note: String? = nil) -> String {
    let results = chapters.map { chapter in grade.chapters.first { $0.id == chapter.number } }
    let points = results.map { Self.number($0?.score ?? 0) }
    let statuses = results.map { $0?.status.rawValue ?? "not graded" }
    return line(
      [grade.student ?? "", Self.number(grade.score)] + points + statuses + [
        String(grade.seed), note ?? "", grade.isolation.rawValue,
      ])
  }

  /// The whole table: the header and a row a grade.
  public func csv(_ grades: [Grade]) -> String {
    ([header] + grades.map { row($0) }).joined(separator: "\n") + "\n"
  }

  private func line(_ cells: [String]) -> String {
    cells.map(Self.cell).joined(separator: ",")
  }

  private static func number(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
  }

  /// The characters that make a spreadsheet read a cell as a formula when they come first.
  static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

  /// A cell escaped against formula injection, then quoted if it holds a comma, a quote or a line break.
  static func cell(_ text: String) -> String {
    quoted(text.first.map { formulaStarts.contains($0) } == true ? "'" + text : text)
  }

  /// A cell in quotes if it holds a comma, a quote or a line break (RFC 4180).
  static func quoted(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  /// The ids of the rows of a CSV this type wrote, as they were before escaping.
  public static func ids(inCSV text: String) -> [String] {
    records(text).dropFirst().compactMap(\.first).map { id in
      id.count > 1 && id.first == "'" && formulaStarts.contains(id[id.index(after: id.startIndex)])
        ? String(id.dropFirst()) : id
    }
  }

  /// The records of a CSV text, each a list of unquoted cells (RFC 4180).
  static func records(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var cell = ""
    var quoted = false
    var characters = text.makeIterator()
    var pending = characters.next()
    while let character = pending {
      pending = characters.next()
      if quoted {
        if character == "\"" {
          if pending == "\"" {
            cell.append("\"")
            pending = characters.next()
          } else {
            quoted = false
          }
        } else {
          cell.append(character)
        }
        continue
      }
      switch character {
      case "\"": quoted = true
      case ",":
        record.append(cell)
        cell = ""
      case "\n", "\r\n":
        record.append(cell)
        records.append(record)
        (record, cell) = ([], "")
      default: cell.append(character)
      }
    }
    if !cell.isEmpty || !record.isEmpty { records.append(record + [cell]) }
    return records
  }
}

/// A CSV file that a batch appends a row to as soon as a student is graded, durably.
///
/// Each row is written with one `write` and flushed to the disk with `fsync`, so a batch that
/// crashes or is stopped keeps every row it wrote, and `--resume` knows whom to skip.
final class GradebookFile: Sendable {
  let path: String
  private let descriptor: Int32
  private let lock = NSLock()

  /// Opens the file: emptied and headed anew, or, when `resuming`, kept with the ids it holds.
  init(path: String, gradebook: Gradebook, resuming: Bool) throws {
    self.path = path
    let url = URL(fileURLWithPath: path)
    try GraderError.whenFailing("creating \(url.deletingLastPathComponent().path)") {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    }
    let existing = resuming ? (try? String(contentsOf: url, encoding: .utf8)) : nil
    // A CSV written before grades named their sandbox lacks only the last column: it resumes.
    let headers = Gradebook.records(gradebook.header).first.map { [$0, Array($0.dropLast())] } ?? []
    if let existing, let header = Gradebook.records(existing).first, !headers.contains(header) {
      throw GraderError.usage(
        "\(path) has other columns than this grade would write (other chapters?): resume with the same "
          + "chapters, or write to another file.")
    }
    let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (existing == nil ? O_TRUNC : 0)
    descriptor = open(path, flags, 0o644)
    guard descriptor >= 0 else {
      throw GraderError.operationFailed("opening \(path)", output: String(cString: strerror(errno)))
    }
    if existing == nil || existing?.isEmpty == true {
      try append(gradebook.header)
    } else if existing?.hasSuffix("\n") == false {
      // A row cut short by a crash ends on its own line; the next row starts a new one.
      try append("")
    }
  }

  deinit { close(descriptor) }

  /// Rewrites the file with its rows in id order, as a gradebook lists students; rows are
  /// appended in the order students finish.
  func sortRows() throws {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let records = Gradebook.records(text)
    guard let header = records.first else { return }
    let rows = records.dropFirst().filter { $0 != [""] }.sorted { ($0.first ?? "") < ($1.first ?? "") }
    let lines = ([header] + rows).map { $0.map(Gradebook.quoted).joined(separator: ",") }
    try GraderError.whenFailing("writing \(path)") {
      try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
  }

  /// Appends `line` and a line break in one write, and waits until it is on the disk.
  func append(_ line: String) throws {
    try lock.withLock {
      let bytes = Array((line + "\n").utf8)
      var written = 0
      while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else {
          throw GraderError.operationFailed("writing \(path)", output: String(cString: strerror(errno)))
        }
        written += count
      }
      fsync(descriptor)
    }
  }
}
