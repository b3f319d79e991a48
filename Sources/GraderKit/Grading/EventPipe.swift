import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The pipe a test process writes its event stream into, read by the grader as the tests run.
///
/// The stream used to be a file that the grader read after the run, and the test process knows
/// its path: student code in it could rewrite the file at exit (an `atexit` handler that drops
/// every `issueRecorded` line turned 0/5 into 5/5). A pipe's bytes belong to the grader once
/// read, so nothing already reported can be taken back. The child gets the write end as
/// descriptor 3 and the path `/dev/fd/3`.
final class EventPipe: @unchecked Sendable {
  // `@unchecked Sendable`: `data`, `isFinished` and `overflowed` are read and written only while
  // `condition` is locked.
  /// The descriptor number the test process writes to.
  static let childDescriptor: Int32 = 3
  /// The most a stream may hold; a suite of a few dozen tests writes well under a megabyte.
  static let limit = 16 << 20

  let writeEnd: Int32
  private let readEnd: Int32
  private let condition = NSCondition()
  private var data = Data()
  private var isFinished = false
  private(set) var overflowed = false

  init() throws {
    var ends: [Int32] = [0, 0]
    // Close-on-exec under the spawn lock, as every pipe of the grader's: only the child this
    // pipe is for gets its write end, by `dup2` in the spawn.
    let made = Subprocess.spawnLock.withLock {
      pipe(&ends) == 0 && fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0 && fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0
    }
    guard made else { throw SubprocessError.spawnFailed("a pipe for the event stream", errno) }
    (readEnd, writeEnd) = (ends[0], ends[1])
    Thread { [self] in readToEnd() }.start()
  }

  /// The path the test process opens: its own descriptor 3.
  var childPath: String { "/dev/fd/\(Self.childDescriptor)" }

  /// Closes the grader's copy of the write end, once the child has its own.
  func closeWriteEnd() {
    close(writeEnd)
  }

  private func readToEnd() {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = read(readEnd, &buffer, buffer.count)
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { break }
      condition.lock()
      if data.count + count <= Self.limit {
        data.append(contentsOf: buffer[0..<count])
      } else {
        overflowed = true
      }
      condition.unlock()
    }
    close(readEnd)
    condition.lock()
    isFinished = true
    condition.broadcast()
    condition.unlock()
  }

  /// What the stream held when the last writer closed it, or after `grace` if some process
  /// that escaped the grader still holds it open: what came later is not the test process's.
  func finish(grace: TimeInterval = 2) -> Data {
    let limit = Date(timeIntervalSinceNow: grace)
    condition.lock()
    defer { condition.unlock() }
    while !isFinished {
      if !condition.wait(until: limit) { break }
    }
    return data
  }
}
