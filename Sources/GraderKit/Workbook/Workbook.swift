import Foundation

/// The workbook on disk: its root folder and its chapters, as their `chapter.json` files describe them.
public struct Workbook: Sendable {
  /// The folder that holds `Package.swift`.
  public let root: URL
  /// The chapters, in course order.
  public let chapters: [Chapter]

  /// Reads the workbook at `root`; throws `GraderError.notAWorkbook` if it has no chapter.
  public init(root: URL) throws {
    // The compiler and Swift Testing name files by their real path, symbolic links resolved
    // (macOS's /var is /private/var): the same root lets the grader find chapters in their paths.
    self.root = Self.realRoot(root)
    guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) else {
      throw GraderError.notAWorkbook(root.path)
    }
    chapters = try Self.chapters(in: self.root)
    if chapters.isEmpty { throw GraderError.notAWorkbook(root.path) }
  }

  /// A workbook whose chapters are another's: a submission's scratch copy is graded on the
  /// instructor's chapters, whatever the student's copy holds or lacks.
  init(root: URL, chapters: [Chapter]) {
    self.root = Self.realRoot(root)
    self.chapters = chapters
  }

  /// Whether the workbook at `root` is a student edition (`./grader release` wrote it): a
  /// workbook without `Solutions/`, the answer key that only the instructors' edition holds.
  public static func isStudentEdition(at root: URL) -> Bool {
    let files = FileManager.default
    return files.fileExists(atPath: root.appendingPathComponent("Package.swift").path)
      && !files.fileExists(atPath: root.appendingPathComponent(Sources.solutions.folderName).path)
  }

  private static func realRoot(_ root: URL) -> URL {
    SealedCopy.realPath(root.path).map { URL(fileURLWithPath: $0) } ?? root.standardizedFileURL
  }

  /// Every `Tests/ModuleTests/chapter.json`, in course order: the same files `Package.swift` reads.
  static func chapters(in root: URL) throws -> [Chapter] {
    let tests = root.appendingPathComponent("Tests")
    let folders = (try? FileManager.default.contentsOfDirectory(atPath: tests.path)) ?? []
    let chapters = try folders.filter { $0.hasSuffix("Tests") }.sorted().compactMap { folder -> Chapter? in
      let file = tests.appendingPathComponent(folder).appendingPathComponent(Chapter.metadataFile)
      guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
      do {
        return try Chapter(module: String(folder.dropLast("Tests".count)), metadata: data)
      } catch {
        throw GraderError.badChapterMetadata("Tests/\(folder)/\(Chapter.metadataFile)", "\(error)")
      }
    }
    let numbers = chapters.map(\.number)
    if let twice = numbers.first(where: { number in numbers.filter { $0 == number }.count > 1 }) {
      throw GraderError.badChapterMetadata(
        "Tests/*/\(Chapter.metadataFile)", "two chapters have the number \(twice)")
    }
    return chapters.sorted { $0.number < $1.number }
  }

  /// The chapter a student names: `02`, `2`, `CounterLocking`, `counter-locking` or `02-CounterLocking`.
  public func chapter(named name: String) throws -> Chapter {
    let key = name.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(
      of: "_", with: "")
    let found = chapters.first { chapter in
      [
        chapter.number, String(Int(chapter.number) ?? -1), chapter.module.lowercased(),
        (chapter.number + chapter.module).lowercased(),
      ]
      .contains(key)
    }
    guard let found else { throw GraderError.unknownChapter(name, known: chapters) }
    return found
  }

  /// The folder a source set of a chapter lives in.
  public func folder(of chapter: Chapter, in sources: Sources) -> URL {
    root.appendingPathComponent(sources.folderName).appendingPathComponent(chapter.folder)
  }
}

/// One chapter of the course.
public struct Chapter: Sendable, Hashable {
  /// Two digits: `01`.
  public let number: String
  /// The module both `Exercises/NN-Module` and `Solutions/NN-Module` build: `Threads`.
  public let module: String
  /// The chapter's title in the grade: `Threads and join`.
  public let title: String
  /// How long the chapter's tests may run, when it needs another than the grader's default.
  public let deadline: Duration?
  /// The chapter's weight in a grade, shared equally by its tests.
  public let points: Int
  /// The tests that run again under ThreadSanitizer in every grade, and the rule a race breaks.
  public let raceCheck: RaceCheck?
  /// The weight of a chapter that sets none.
  public static let defaultPoints = 10
  /// The file beside a chapter's tests that describes the chapter.
  public static let metadataFile = "chapter.json"

  init(
    number: String, module: String, title: String, deadline: Duration? = nil, points: Int = defaultPoints,
    raceCheck: RaceCheck? = nil
  ) {
    self.number = number
    self.module = module
    self.title = title
    self.deadline = deadline
    self.points = points
    self.raceCheck = raceCheck
  }

  /// Decodes `chapter.json`; `CONTRIBUTING.md` documents its fields.
  init(module: String, metadata: Data) throws {
    let fields = try JSONDecoder().decode(Metadata.self, from: metadata)
    guard (1...99).contains(fields.number) else {
      throw Metadata.Invalid(reason: "number must be 1 to 99, not \(fields.number)")
    }
    if let points = fields.points, points < 0 {
      throw Metadata.Invalid(reason: "points must be 0 or more, not \(points)")
    }
    if let deadline = fields.deadlineSeconds, deadline <= 0 {
      throw Metadata.Invalid(reason: "deadlineSeconds must be more than 0, not \(deadline)")
    }
    if let check = fields.raceCheck,
      check.tests.isEmpty || check.tests.contains(where: { !$0.isSwiftIdentifier })
    {
      throw Metadata.Invalid(reason: "raceCheck.tests must name test functions, such as [\"noResultIsLost\"]")
    }
    self.init(
      number: fields.number < 10 ? "0\(fields.number)" : "\(fields.number)", module: module,
      title: fields.title,
      deadline: fields.deadlineSeconds.map { .seconds($0) }, points: fields.points ?? Self.defaultPoints,
      raceCheck: fields.raceCheck)
  }

  /// The tests of a chapter about shared state that every grade runs again with ThreadSanitizer.
  ///
  /// An unlocked shared structure passes a plain run by luck; ThreadSanitizer sees it every run.
  /// A race it sees fails these tests, with `rule` and the lesson's section `lesson` in the message.
  public struct RaceCheck: Sendable, Hashable, Decodable {
    /// The test functions to run, such as `noResultIsLost`.
    public var tests: [String]
    /// The lesson's rule a race breaks, in the student's terms: `every thread stores its result under the lock`.
    public var rule: String
    /// The title of the lesson's section that explains the rule.
    public var lesson: String
  }

  /// The fields of `chapter.json`; `Package.swift` decodes `number` and `testDependencies` from it too.
  struct Metadata: Decodable {
    var number: Int
    var title: String
    var points: Int?
    var deadlineSeconds: Int?
    var testDependencies: [String]?
    var raceCheck: RaceCheck?

    struct Invalid: Error, CustomStringConvertible {
      var reason: String
      var description: String { reason }
    }
  }

  /// `01-Threads`.
  public var folder: String { "\(number)-\(module)" }
  /// The test target, `ThreadsTests`.
  public var testModule: String { module + "Tests" }
  /// The regular expression that selects this chapter's suite in the test binary.
  public var testFilter: String { "^\(testModule)\\." }
}

extension String {
  /// Whether the text is a plain Swift identifier, safe inside a test filter.
  fileprivate var isSwiftIdentifier: Bool {
    wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]*/) != nil
  }
}

/// Which source set a grade builds: the students' skeletons or the reference solutions.
public enum Sources: String, Sendable, Codable {
  case exercises
  case solutions

  /// The top-level folder: `Exercises` or `Solutions`.
  public var folderName: String { rawValue.capitalized }
}
