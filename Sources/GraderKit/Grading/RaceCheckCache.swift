import Foundation

/// The last race check of each chapter, kept in the race build's folder (`race-checks/NN-Topic.json`)
/// with a fingerprint of what it ran: a grade whose chapter has the same fingerprint reuses the
/// verdict instead of running ThreadSanitizer again.
///
/// The fingerprint covers the chapter's own files, its tests, the modules the tests run on
/// (`Package.swift` and the support sources) and the check itself: the names, sizes and
/// modification times of the files, like a build system's. A race test makes its race happen
/// every run, so the same files give the same verdict.
struct RaceCheckCache {
  let folder: URL

  init(scratchPath: URL) {
    folder = scratchPath.appendingPathComponent("race-checks")
  }

  /// The support sources every chapter's tests run on.
  static let supportFolders = [
    "Sources/WorkbookCore", "Sources/WorkbookSupport", "Sources/WorkbookTestSupport", "Sources/FixtureServer",
    "Sources/MutexTSanShim",
  ]

  /// Bumped when what a check records, or how it runs, changes.
  static let format = "race-check 1"

  /// What the check of `chapter` in `sources` depends on, as one string.
  static func fingerprint(of chapter: Chapter, in workbook: Workbook, sources: Sources) -> String {
    let root = workbook.root
    let folders =
      [workbook.folder(of: chapter, in: sources), root.appendingPathComponent("Tests/\(chapter.testModule)")]
      + supportFolders.map { root.appendingPathComponent($0) }
    var lines = [format, sources.rawValue, "\(chapter.raceCheck.map { $0.tests } ?? [])"]
    lines += describe(root.appendingPathComponent("Package.swift"), root: root)
    for folder in folders {
      for path in FileManager.default.regularFiles(below: folder) {
        lines += describe(folder.appendingPathComponent(path), root: root)
      }
    }
    return SHA256.hex(of: Data(lines.joined(separator: "\n").utf8))
  }

  /// `path size seconds.nanoseconds`, or nothing for a file that cannot be read.
  private static func describe(_ file: URL, root: URL) -> [String] {
    var info = stat()
    guard stat(file.path, &info) == 0 else { return [] }
    let path = file.path.hasPrefix(root.path) ? String(file.path.dropFirst(root.path.count)) : file.path
    #if os(Linux)
      let modified = info.st_mtim
    #else
      let modified = info.st_mtimespec
    #endif
    return ["\(path) \(info.st_size) \(modified.tv_sec).\(modified.tv_nsec)"]
  }

  private struct Entry: Codable {
    var fingerprint: String
    var run: SuiteRunner.RaceCheckRun
  }

  private func file(of chapter: Chapter) -> URL {
    folder.appendingPathComponent("\(chapter.folder).json")
  }

  /// The verdict of the last check of `chapter`, if it ran on files with this fingerprint.
  func verdict(of chapter: Chapter, fingerprint: String) -> SuiteRunner.RaceCheckRun? {
    guard let data = try? Data(contentsOf: file(of: chapter)),
      let entry = try? JSONDecoder().decode(Entry.self, from: data), entry.fingerprint == fingerprint
    else { return nil }
    return entry.run
  }

  /// Keeps `run` as the verdict for `chapter`: a race found, or a clean run that reached its end
  /// (one cut short proves nothing, and the next grade checks again).
  func keep(_ run: SuiteRunner.RaceCheckRun, of chapter: Chapter, fingerprint: String) {
    guard run.isComplete || !run.races.isEmpty,
      let data = try? JSONEncoder().encode(Entry(fingerprint: fingerprint, run: run))
    else {
      try? FileManager.default.removeItem(at: file(of: chapter))
      return
    }
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try? data.write(to: file(of: chapter), options: .atomic)
  }
}
