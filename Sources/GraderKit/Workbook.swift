import Foundation

/// The workbook on disk: its root folder and its chapters, as `Package.swift` lists them.
public struct Workbook: Sendable {
  /// The folder that holds `Package.swift`.
  public let root: URL
  /// The chapters, in course order.
  public let chapters: [Chapter]

  /// Reads the workbook at `root`; throws `GraderError.notAWorkbook` if `Package.swift` lists no chapter.
  public init(root: URL) throws {
    // The compiler and Swift Testing name files by their real path, symbolic links resolved
    // (macOS's /var is /private/var): the same root lets the grader find chapters in their paths.
    let realPath = realpath(root.path, nil)
    defer { free(realPath) }
    self.root = realPath.map { URL(fileURLWithPath: String(cString: $0)) } ?? root.standardizedFileURL
    let manifestURL = root.appendingPathComponent("Package.swift")
    guard let manifest = try? String(contentsOf: manifestURL, encoding: .utf8) else {
      throw GraderError.notAWorkbook(root.path)
    }
    // `Package.swift` lists each chapter once, as `Chapter(folder: "NN-Module"…)`: reading that
    // list keeps the grader from holding a second copy of it.
    let pattern = /^\s*Chapter\(folder: "(\d\d)-(\w+)"/
    chapters = manifest.split(separator: "\n").compactMap { line in
      guard let match = line.firstMatch(of: pattern) else { return nil }
      let deadline = line.firstMatch(of: /deadline: (\d+)/).flatMap { Int($0.1) }
      let points = line.firstMatch(of: /points: (\d+)/).flatMap { Int($0.1) }
      return Chapter(
        number: String(match.1), module: String(match.2), root: root,
        deadline: deadline.map { .seconds($0) }, points: points ?? Chapter.defaultPoints)
    }
    if chapters.isEmpty { throw GraderError.notAWorkbook(root.path) }
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
  /// The lesson's title, from the first heading of its `README.md`.
  public let title: String
  /// How long the chapter's tests may run, when it needs another than the grader's default.
  public let deadline: Duration?
  /// The chapter's weight in a grade, shared equally by its tests.
  public let points: Int
  /// The weight of a chapter that sets none in `Package.swift`.
  public static let defaultPoints = 10

  init(number: String, module: String, root: URL, deadline: Duration? = nil, points: Int = defaultPoints) {
    self.number = number
    self.module = module
    self.deadline = deadline
    self.points = points
    let lesson = root.appendingPathComponent("Exercises/\(number)-\(module)/README.md")
    let heading = (try? String(contentsOf: lesson, encoding: .utf8))?
      .split(separator: "\n").first { $0.hasPrefix("# ") }
    // "# Chapter 2 · Counter locking" gives "Counter locking".
    title =
      heading.map { line in
        let text = line.dropFirst(2)
        return String(text.split(separator: "·", maxSplits: 1).last ?? text).trimmingCharacters(
          in: .whitespaces)
      } ?? module
  }

  /// `01-Threads`.
  public var folder: String { "\(number)-\(module)" }
  /// The test target, `ThreadsTests`.
  public var testModule: String { module + "Tests" }
  /// The regular expression that selects this chapter's suite in the test binary.
  public var testFilter: String { "^\(testModule)\\." }
}

/// Which source set a grade builds: the students' skeletons or the reference solutions.
public enum Sources: String, Sendable, Codable {
  case exercises
  case solutions

  /// The top-level folder: `Exercises` or `Solutions`.
  public var folderName: String { rawValue.capitalized }
}
