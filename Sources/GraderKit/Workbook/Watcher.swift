import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Grades the chapter a student is editing every time they save, rustlings-style.
///
/// On Linux it sleeps on inotify events; elsewhere it looks at the files' times twice a second.
/// Either way, what changed is decided by comparing the files' times and sizes, so an event
/// that names nothing useful is harmless.
struct Watcher {
  let workbook: Workbook
  let configure: @Sendable (inout Grader) -> Void

  func run() throws -> Int32 {
    let events = FileEvents(folders: workbook.chapters.map { workbook.folder(of: $0, in: .exercises) })
    // Before the announcement: a save made as soon as it shows must count as a change.
    var seen = fingerprints()
    Swift.print(
      "Watching Exercises/ (\(events.isNative ? "file events" : "polling")). Save a chapter's file to grade it; Ctrl-C stops."
    )
    // Standard output piped into a file or another program is block-buffered: flush each report.
    fflush(nil)
    while true {
      events.waitForChange()
      let now = fingerprints()
      let changed = workbook.chapters.filter { seen[$0.number] != now[$0.number] }
      seen = now
      for chapter in changed {
        try grade(chapter)
      }
    }
  }

  private func grade(_ chapter: Chapter) throws {
    if Report.terminalWantsColor { Swift.print("\u{1B}[2J\u{1B}[H", terminator: "") }
    var grader = Grader(workbook: workbook, sources: .exercises)
    configure(&grader)
    let grade = try grader.grade([chapter])
    Swift.print(
      Report(usesColor: Report.terminalWantsColor, isDetailed: true).render(grade))
    if grade.isPassing {
      let next = workbook.chapters.first { $0.number > chapter.number }
      Swift.print(
        next.map {
          "Chapter \(chapter.number) passes. Next: chapter \($0.number), \($0.title) (Exercises/\($0.folder))."
        }
          ?? "Chapter \(chapter.number) passes, and it is the last one. Run ./grader for the whole table.")
    }
    Swift.print("Watching for your next save…")
    fflush(nil)
  }

  /// Each chapter's files, with their modification times and sizes.
  private func fingerprints() -> [String: String] {
    var result: [String: String] = [:]
    for chapter in workbook.chapters {
      let folder = workbook.folder(of: chapter, in: .exercises)
      let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
      result[chapter.number] = names.map { name in
        let attributes = try? FileManager.default.attributesOfItem(
          atPath: folder.appendingPathComponent(name).path)
        let date = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(name):\(date):\(attributes?[.size] ?? 0)"
      }.joined(separator: "|")
    }
    return result
  }
}

/// Blocks until something in the folders may have changed.
private final class FileEvents {
  private let descriptor: Int32

  /// Whether the operating system tells of changes, rather than the watcher polling.
  var isNative: Bool { descriptor >= 0 }

  init(folders: [URL]) {
    #if os(Linux)
      descriptor = inotify_init1(Int32(IN_CLOEXEC))
      let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE)
      for folder in folders {
        _ = inotify_add_watch(descriptor, folder.path, mask)
      }
    #else
      descriptor = -1
    #endif
  }

  func waitForChange() {
    guard isNative else {
      usleep(500_000)
      return
    }
    var buffer = [UInt8](repeating: 0, count: 4_096)
    // Wake up at least every two seconds, so a change inotify missed is still found.
    var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    guard poll(&request, 1, 2_000) > 0 else { return }
    _ = read(descriptor, &buffer, buffer.count)
    // An editor's save is often several events; let them settle, then drop them.
    usleep(200_000)
    request.revents = 0
    while poll(&request, 1, 0) > 0 {
      _ = read(descriptor, &buffer, buffer.count)
      request.revents = 0
    }
  }
}
