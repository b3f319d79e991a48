import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which students a batch began to grade, beside its CSV (`grades.csv.started`), for `--resume`.
///
/// Outside a sandbox (`none`), a hand-in's code can kill the grader itself. Without a record, the
/// next `--resume` would grade that student first again, and be killed again, for ever. Each
/// student's start is written (and flushed to disk) before their build; a student whose start
/// is there but whose row is not was being graded when the grader died, and is graded
/// `crashed: the grading was killed` instead of again. A Ctrl-C writes `interrupted` for the
/// students it stopped, who are graded again.
final class StartedLog: Sendable {
  let path: String
  private let descriptor: Int32
  private let inFlight = Mutex<Set<String>>([])

  /// The record beside the CSV at `csvPath`.
  static func path(besides csvPath: String) -> String { csvPath + ".started" }

  /// Opens the record, emptied unless `resuming`.
  init(path: String, resuming: Bool) throws {
    self.path = path
    let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (resuming ? 0 : O_TRUNC)
    descriptor = open(path, flags, 0o644)
    guard descriptor >= 0 else {
      throw GraderError.operationFailed("opening \(path)", output: String(cString: strerror(errno)))
    }
  }

  deinit { close(descriptor) }

  /// Notes that `id`'s grading starts, durably, before anything of theirs runs.
  func started(_ id: String) {
    inFlight.withLock { _ = $0.insert(id) }
    append("started\t\(id)\t\(Date().ISO8601Format())")
  }

  /// Notes that `id` has a row.
  func finished(_ id: String) {
    inFlight.withLock { _ = $0.remove(id) }
  }

  /// Notes every student still being graded as interrupted: a Ctrl-C, not their code, stopped them.
  func interruptAll() {
    for id in inFlight.withLock({ $0 }) { append("interrupted\t\(id)") }
  }

  /// The students whose last start has neither a row (`graded`) nor an interruption after it,
  /// with when they started.
  static func killed(in path: String, graded: Set<String>) -> [String: String] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    var open: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
      guard fields.count >= 2 else { continue }
      switch fields[0] {
      case "started": open[fields[1]] = fields.count > 2 ? fields[2] : "?"
      case "interrupted": open[fields[1]] = nil
      default: break
      }
    }
    return open.filter { !graded.contains($0.key) }
  }

  private func append(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    fsync(descriptor)
  }
}
