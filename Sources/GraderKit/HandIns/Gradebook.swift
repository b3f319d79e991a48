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

  /// A student's grade as one line of JSON (without its line break), for an LMS import script:
  /// the raw id, never escaped, with the points and status of each chapter.
  ///
  ///     {"chapters":{"01":{"maxPoints":10,"points":10,"status":"passed"},…},"id":"=cmd",
  ///      "isolation":"namespaces","maxTotal":100,"note":null,"seed":793889,"total":50}
  public func jsonLine(_ grade: Grade, note: String? = nil) throws -> String {
    var chapterEntries: [String: JSONLine.Chapter] = [:]
    for chapter in chapters {
      let result = grade.chapters.first { $0.id == chapter.number }
      chapterEntries[chapter.number] = JSONLine.Chapter(
        points: result?.score ?? 0, maxPoints: result?.maxScore ?? chapter.points,
        status: result?.status.rawValue ?? "not graded")
    }
    let line = JSONLine(
      id: grade.student ?? "", total: grade.score, maxTotal: chapters.map(\.points).reduce(0, +),
      chapters: chapterEntries, seed: grade.seed, isolation: grade.isolation.rawValue, note: note)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(line), as: UTF8.self)
  }

  /// One line of `--json`: what `jsonLine` writes and `merge` reads.
  public struct JSONLine: Codable, Sendable, Equatable {
    public struct Chapter: Codable, Sendable, Equatable {
      public var points: Double
      public var maxPoints: Int
      public var status: String
    }
    public var id: String
    public var total: Double
    public var maxTotal: Int
    public var chapters: [String: Chapter]
    public var seed: UInt64
    public var isolation: String
    public var note: String?

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(id, forKey: .id)
      try container.encode(total, forKey: .total)
      try container.encode(maxTotal, forKey: .maxTotal)
      try container.encode(chapters, forKey: .chapters)
      try container.encode(seed, forKey: .seed)
      try container.encode(isolation, forKey: .isolation)
      // Always there, null when there is nothing to say: an import script reads one shape.
      try container.encode(note, forKey: .note)
    }
  }

  /// The ids of the lines of a JSON lines text `jsonLine` wrote; a line cut short by a crash is
  /// no student's.
  public static func ids(inJSONLines text: String) -> [String] {
    text.split(separator: "\n").compactMap { line in
      try? JSONDecoder().decode(JSONLine.self, from: Data(line.utf8)).id
    }
  }

  /// The whole table: the header and a row a grade.
  public func csv(_ grades: [Grade]) -> String {
    ([header] + grades.map { row($0) }).joined(separator: "\n") + "\n"
  }

  private func line(_ cells: [String]) -> String {
    cells.map(Self.cell).joined(separator: ",")
  }

  /// Points as the CSV writes them: `15`, or `12.50`.
  static func number(_ value: Double) -> String {
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
    records(text).dropFirst().compactMap(\.first).map(unescapedID)
  }

  /// An id as it was before `cell` escaped it against formula injection.
  static func unescapedID(_ id: String) -> String {
    id.count > 1 && id.first == "'" && formulaStarts.contains(id[id.index(after: id.startIndex)])
      ? String(id.dropFirst()) : id
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

/// A file that a batch appends a line to as soon as a student is graded, durably.
///
/// Each line is written with one `write` and flushed to the disk with `fsync`, so a batch that
/// crashes or is stopped keeps every line it wrote, and `--resume` knows whom to skip.
final class DurableLines: Sendable {
  let path: String
  private let descriptor: Int32
  private let lock = NSLock()

  /// Opens the file at `path`: emptied, or, when `keeping`, kept as it is, its last line ended.
  init(path: String, keeping: Bool) throws {
    self.path = path
    let url = URL(fileURLWithPath: path)
    try GraderError.whenFailing("creating \(url.deletingLastPathComponent().path)") {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    }
    let existing = keeping ? (try? String(contentsOf: url, encoding: .utf8)) : nil
    let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (keeping ? 0 : O_TRUNC)
    descriptor = open(path, flags, 0o644)
    guard descriptor >= 0 else {
      throw GraderError.operationFailed("opening \(path)", output: String(cString: strerror(errno)))
    }
    if let existing, !existing.isEmpty, !existing.hasSuffix("\n") {
      // A line cut short by a crash ends on its own line; the next line starts a new one.
      try append("")
    }
  }

  deinit { close(descriptor) }

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

  /// Replaces the file's text at once (a temporary file renamed over it).
  func replace(with text: String) throws {
    try GraderError.whenFailing("writing \(path)") {
      try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
  }
}

/// The CSV file of a batch (`--csv`): a header, then a row a student as each is graded.
final class GradebookFile: Sendable {
  private let file: DurableLines
  var path: String { file.path }

  /// Opens the file: emptied and headed anew, or, when `resuming`, kept with the ids it holds.
  init(path: String, gradebook: Gradebook, resuming: Bool) throws {
    let existing = resuming ? (try? String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)) : nil
    // A CSV written before grades named their sandbox lacks only the last column: it resumes.
    let headers = Gradebook.records(gradebook.header).first.map { [$0, Array($0.dropLast())] } ?? []
    if let existing, let header = Gradebook.records(existing).first, !headers.contains(header) {
      throw GraderError.usage(
        "\(path) has other columns than this grade would write (other chapters?): resume with the same "
          + "chapters, or write to another file.")
    }
    file = try DurableLines(path: path, keeping: existing != nil)
    if existing?.isEmpty ?? true { try file.append(gradebook.header) }
  }

  /// The ids of the students the file has a row for.
  var ids: [String] {
    Gradebook.ids(inCSV: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
  }

  func append(_ row: String) throws { try file.append(row) }

  /// Rewrites the file with its rows in id order, as a gradebook lists students (rows are
  /// appended in the order students finish); a student graded again after a resume keeps the
  /// last row only.
  func sortRows() throws {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let records = Gradebook.records(text)
    guard let header = records.first else { return }
    var latest: [String: [String]] = [:]
    for row in records.dropFirst() where row != [""] { latest[row.first ?? ""] = row }
    let rows = latest.values.sorted { ($0.first ?? "") < ($1.first ?? "") }
    let lines = ([header] + rows).map { $0.map(Gradebook.quoted).joined(separator: ",") }
    try file.replace(with: lines.joined(separator: "\n") + "\n")
  }
}

/// The JSON lines file of a batch (`--json`): a line a student as each is graded.
final class JSONLinesFile: Sendable {
  private let file: DurableLines
  var path: String { file.path }

  init(path: String, resuming: Bool) throws {
    file = try DurableLines(path: path, keeping: resuming)
  }

  /// The ids of the students the file has a whole line for.
  var ids: [String] {
    Gradebook.ids(inJSONLines: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
  }

  func append(_ line: String) throws { try file.append(line) }

  /// Rewrites the file with a line a student in id order, the last one written for each; a line
  /// cut short by a crash is dropped.
  func sortLines() throws {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var latest: [String: Substring] = [:]
    for line in text.split(separator: "\n") {
      guard let id = try? JSONDecoder().decode(Gradebook.JSONLine.self, from: Data(line.utf8)).id else {
        continue
      }
      latest[id] = line
    }
    let lines = latest.sorted { $0.key < $1.key }.map(\.value)
    try file.replace(with: lines.map { $0 + "\n" }.joined())
  }
}
