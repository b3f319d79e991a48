import Foundation
import WorkbookTestSupport

@testable import GraderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A scratch workbook made from `Tests/GraderFixtures`: all of its chapters, or just some.
///
/// A cached copy lives under the checkout, in `.build-NAME/workbook`, and keeps its build folders
/// between runs, so a second run rebuilds only what changed; a lock file keeps two tests, or two
/// test processes, from using it at once. A temporary copy is a fresh clone, for the commands
/// that need no build.
struct FixtureWorkbook {
  /// The checkout this suite belongs to.
  static let checkout = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let fixtures = checkout.appendingPathComponent("Tests/GraderFixtures")

  /// The folder of the copy: it holds `Package.swift`.
  let root: URL
  /// The cache folder that holds the copy, its lock, and whatever else a suite keeps there.
  let cache: URL
  private let lock: FileLock

  /// Waits for the lock of the cached copy `NAME`, then refreshes the copy from the fixtures.
  ///
  /// Call `release()` when done; the lock is released anyway when the process ends.
  init(cachedAs name: String, chapters: [String]? = nil) throws {
    cache = Self.checkout.appendingPathComponent(".build-\(name)")
    try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
    lock = try FileLock(cache.appendingPathComponent("lock"))
    root = cache.appendingPathComponent("workbook")
    do {
      // A build remembers absolute paths: one made where the checkout used to be is made afresh.
      let stamp = cache.appendingPathComponent("built-at")
      if (try? String(contentsOf: stamp, encoding: .utf8)) != root.path {
        try? FileManager.default.removeItem(at: root)
        try root.path.write(to: stamp, atomically: true, encoding: .utf8)
      }
      try Self.mirror(to: root, chapters: chapters)
    } catch {
      lock.unlock()
      throw error
    }
  }

  func release() {
    lock.unlock()
  }

  /// A fresh copy in a folder of its own under the temporary folder; the caller removes it.
  static func temporaryCopy(chapters: [String]? = nil) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-workbook-\(UUID())")
    try mirror(to: folder, chapters: chapters)
    return folder
  }

  /// Makes `target` hold the fixture workbook, or the part of it with just `chapters` (folder
  /// names such as `02-Failing`), rewriting only the files that differ, so that their
  /// modification times, and the incremental build they allow, survive from one run to the next.
  static func mirror(to target: URL, chapters: [String]? = nil) throws {
    let files = FileManager.default
    var wanted: [String: Data] = [:]
    for path in try files.subpathsOfDirectory(atPath: fixtures.path) where belongs(path, to: chapters) {
      var isFolder: ObjCBool = false
      guard files.fileExists(atPath: fixtures.appendingPathComponent(path).path, isDirectory: &isFolder),
        !isFolder.boolValue
      else { continue }
      wanted[path] = try Data(contentsOf: fixtures.appendingPathComponent(path))
    }
    for (path, data) in wanted {
      let destination = target.appendingPathComponent(path)
      if (try? Data(contentsOf: destination)) != data {
        try files.createDirectory(
          at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: destination)
      }
    }
    // Copies made before the hand-ins were left out held them.
    try? files.removeItem(at: target.appendingPathComponent("HandIns"))
    // A fixture deleted since the last run, or a file a test changed, must not linger in the copy.
    for folder in ["Sources", "Exercises", "Solutions", "Tests"] {
      let root = target.appendingPathComponent(folder)
      for path in (try? files.subpathsOfDirectory(atPath: root.path)) ?? [] {
        let relative = "\(folder)/\(path)"
        var isFolder: ObjCBool = false
        if files.fileExists(atPath: target.appendingPathComponent(relative).path, isDirectory: &isFolder),
          !isFolder.boolValue, wanted[relative] == nil
        {
          try files.removeItem(at: target.appendingPathComponent(relative))
        }
      }
    }
  }

  /// Whether a fixture file belongs to a workbook of `chapters`: the shared code always does; a
  /// chapter's exercise, solution and tests (with its `chapter.json`, which makes it a chapter)
  /// only if the chapter is one of them.
  private static func belongs(_ path: String, to chapters: [String]?) -> Bool {
    let parts = path.split(separator: "/").map(String.init)
    // The hostile hand-ins are graded against the workbook, never part of it.
    if parts.first == "HandIns" { return false }
    guard let chapters else { return true }
    guard parts.count > 1 else { return true }
    switch parts[0] {
    case "Exercises", "Solutions": return chapters.contains(parts[1])
    case "Tests": return chapters.contains { "\($0.dropFirst(3))Tests" == parts[1] }
    default: return true
    }
  }
}

extension FixtureWorkbook {
  /// The two chapters that have solutions, of which 02 also has a lesson and hints: the
  /// workbook of the suites of the students' and instructors' commands.
  static let courseChapters = ["01-Healthy", "02-Failing"]

  /// The cached two-chapter workbook those suites share, one test at a time.
  static func course() throws -> FixtureWorkbook {
    try FixtureWorkbook(cachedAs: "grader-commands", chapters: courseChapters)
  }

  /// A file of the fixtures, such as `Solutions/02-Failing/Failing.swift`.
  static func text(of path: String) throws -> String {
    try String(contentsOf: fixtures.appendingPathComponent(path), encoding: .utf8)
  }
}

/// What students write in chapter 02 (`double(_:)`, which the fixture's skeleton gets wrong), besides
/// the skeleton and the solution.
enum StudentCode {
  /// Right for 0 and wrong for 21: one test passes, one fails.
  static let attempt = """
    /// Twice `x`, as a student first tried it.
    public func double(_ x: Int) -> Int {
      x * x
    }

    """

  /// A string where a number belongs.
  static let doesNotCompile = """
    /// Twice `x`, as a student typed it in a hurry.
    public func double(_ x: Int) -> Int {
      x * "2"
    }

    """

  /// Waits for a signal nothing sends, in every test.
  static let hangs = """
    import Foundation

    /// Twice `x`, once a signal comes that nothing sends.
    public func double(_ x: Int) -> Int {
      DispatchSemaphore(value: 0).wait()
      return x * 2
    }

    """
}

/// Runs a command line in this process, as `./grader` would, on the workbook at `root`.
///
/// Returns the exit code and what the command printed on standard output; its progress goes to
/// standard error, as the grader's does.
func runCommand(_ arguments: [String], in root: URL) throws -> (code: Int32, printed: String) {
  final class Transcript {
    var text = ""
  }
  let transcript = Transcript()
  var runner = CommandRunner(command: try Command(arguments: arguments), workbook: try Workbook(root: root))
  runner.print = { transcript.text += $0 }
  let code = try runner.run()
  return (code, transcript.text)
}

/// The `grader` program of the build under test, which `./grader` runs.
enum GraderBinary {
  static let url = BuiltProducts.executable(named: "grader")

  /// Runs the program on the workbook at `root`, as the `grader` script does (`GRADER_ROOT`), with
  /// standard input that is not a terminal; returns its exit code (nil if it did not exit) and
  /// its standard output and error together.
  static func run(_ arguments: [String], in root: URL) throws -> (code: Int32?, output: String) {
    let outcome = try Subprocess(
      executable: url.path, arguments: arguments, environment: ["GRADER_ROOT": root.path],
      deadline: Liveness.deadline
    ).run()
    guard case .exited(let code) = outcome.termination else { return (nil, outcome.output) }
    return (code, outcome.output)
  }
}

extension GraderBinary {
  /// Writes an executable script at `file` that runs the program on the workbook at `root`, with
  /// `arguments` before its own: the `./grader` of a script or a workflow step under test.
  static func script(at file: URL, root: URL, arguments: [String] = []) throws {
    let quoted = ([url.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
    // Under the lock every spawn takes: a child forked meanwhile would hold the file open for
    // writing until it execs, and running the script then fails with ETXTBSY.
    try Subprocess.spawnLock.withLock {
      try "#!/bin/sh\nGRADER_ROOT='\(root.path)' exec \(quoted) \"$@\"\n".write(
        to: file, atomically: true, encoding: .utf8)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
    }
  }
}

/// Runs `body` on a thread of its own and returns what it returns, or throws what it throws.
///
/// Grading blocks for seconds or minutes: a thread of its own, with the stack of a main thread,
/// keeps Swift Testing's few cooperative threads free for the other suites meanwhile.
func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
  try await withCheckedThrowingContinuation { continuation in
    let thread = Thread { continuation.resume(with: Result { try body() }) }
    thread.stackSize = 8 << 20
    thread.start()
  }
}

/// A process a fixture suite noted in its `processes/` folder: a file named by its PID.
struct RecordedProcess: Sendable, CustomStringConvertible {
  let pid: pid_t
  /// Field 22 of `/proc/PID/stat` when it was noted, which a later process with the same PID lacks.
  let startTime: String
  /// `suite Module` or `child Module`.
  let role: String

  var description: String { "\(role) (PID \(pid))" }

  static func all(in folder: URL) throws -> [RecordedProcess] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).compactMap { name in
      guard let pid = pid_t(name) else { return nil }
      let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
      let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 1)
      guard parts.count == 2 else { return nil }
      return RecordedProcess(pid: pid, startTime: String(parts[0]), role: String(parts[1]))
    }
  }

  /// Whether the process has ended: no such process, a zombie waiting for its reaper, or its
  /// PID taken by a process that started later.
  var isGone: Bool {
    if kill(pid, 0) == -1 && errno == ESRCH { return true }
    #if os(Linux)
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
      let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
      return fields.first == "Z" || (fields.count > 19 && fields[19] != startTime)
    #else
      return false
    #endif
  }

  /// Kills the process, unless it is gone and its PID may be someone else's now.
  func terminate() {
    if !isGone { kill(pid, SIGKILL) }
  }
}

/// An exclusive lock on a file, held until `unlock()` or the end of the process.
///
/// Each lock opens the file anew, so two locks of one process exclude each other too.
struct FileLock {
  private let descriptor: Int32

  init(_ url: URL) throws {
    // Close-on-exec, so that no child the grade starts holds the lock after this process.
    descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
    }
    while flock(descriptor, LOCK_EX) == -1 && errno == EINTR {}
  }

  func unlock() {
    close(descriptor)
  }
}
