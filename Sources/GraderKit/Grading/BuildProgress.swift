import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Shows SwiftPM's `[123/317] Compiling …` lines on one line of a terminal while a build runs.
///
/// A first build takes minutes; without this, a student watches a silent prompt and wonders
/// whether the grader hangs. The line is rewritten in place and erased when the build ends.
final class BuildProgress: @unchecked Sendable {
  // `@unchecked Sendable`: `pending` and `shown` are touched only while `lock` is held.
  private let lock = NSLock()
  private var pending: [UInt8] = []
  private var shown = false
  private let write: @Sendable (String) -> Void
  private let width: Int

  /// Whether standard error is a terminal, the only place a line rewritten in place makes sense.
  static var terminalWantsIt: Bool { isatty(STDERR_FILENO) == 1 }

  init(width: Int = 78, write: @escaping @Sendable (String) -> Void = BuildProgress.standardError) {
    self.width = width
    self.write = write
  }

  static func standardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  /// Reads a piece of the build's output and shows its last progress line, if it holds one.
  func consume(_ bytes: ArraySlice<UInt8>) {
    lock.withLock {
      pending += bytes
      guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else { return }
      let complete = String(decoding: pending[..<lastNewline], as: UTF8.self)
      pending.removeSubrange(...lastNewline)
      guard let line = complete.split(separator: "\n").last(where: { Self.step(in: $0) != nil }) else {
        return
      }
      shown = true
      write("\r\u{1B}[K  " + String(line.prefix(width)))
    }
  }

  /// Erases the progress line, so the grader's next words start on a clean line.
  func finish() {
    lock.withLock {
      if shown { write("\r\u{1B}[K") }
      shown = false
    }
  }

  /// The step and the step count of a line like `[123/317] Compiling Threads Workers.swift`.
  static func step(in line: Substring) -> (done: Int, of: Int)? {
    guard let match = line.firstMatch(of: #/^\[(\d+)/(\d+)\] /#), let done = Int(match.1),
      let total = Int(match.2)
    else { return nil }
    return (done, total)
  }
}
