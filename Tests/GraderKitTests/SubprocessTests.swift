import Foundation
import Testing

@testable import GraderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Grader · child processes")
struct SubprocessTests {
  @Test("an exit code and the output are reported")
  func exitCode() throws {
    let outcome = try Subprocess(executable: "/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"])
      .run()
    #expect(outcome.termination == .exited(3))
    #expect(outcome.output.contains("out") && outcome.output.contains("err"))
  }

  @Test("a child killed by a signal is reported with that signal")
  func signal() throws {
    let outcome = try Subprocess(executable: "/bin/sh", arguments: ["-c", "kill -SEGV $$"]).run()
    #expect(outcome.termination == .signalled(SIGSEGV))
  }

  @Test("at the deadline the whole process group is killed, grandchildren too")
  func deadlineKillsTheGroup() throws {
    let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("grandchild-\(UUID()).pid")
    defer { try? FileManager.default.removeItem(at: pidFile) }
    let outcome = try Subprocess(
      executable: "/bin/sh", arguments: ["-c", "sleep 600 & echo $! > \(pidFile.path); wait"],
      deadline: .milliseconds(500)
    ).run()
    #expect(outcome.termination == .timedOut)
    let text = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(
      in: .whitespacesAndNewlines)
    let grandchild = try #require(pid_t(text))
    #expect(waitUntilGone(grandchild), "the grandchild \(grandchild) outlived the deadline")
  }

  @Test("a child that floods its output is read to the end and kept to a bounded head and tail")
  func floodedOutput() throws {
    let outcome = try Subprocess(
      executable: "/bin/sh",
      arguments: ["-c", "head -c 50000000 /dev/zero | tr '\\\\0' x; echo; echo THE-END"]
    ).run()
    #expect(outcome.termination == .exited(0))
    #expect(outcome.output.utf8.count < 300_000)
    #expect(outcome.output.contains("bytes of output left out"))
    #expect(outcome.output.hasSuffix("THE-END\n"))
  }

  // Linux only: the child reads its signal masks from /proc/self/status.
  #if os(Linux)
    @Test("a child starts with no blocked signals and SIGTERM at its default, even from a Dispatch thread")
    func signalsStartClean() async throws {
      let outcome = try await Task.detached {
        try Subprocess(
          executable: "/bin/sh",
          arguments: ["-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status; kill -TERM $$"]
        ).run()
      }.value
      #expect(outcome.termination == .signalled(SIGTERM), "\(outcome.output)")
      #expect(outcome.output.contains("SigBlk:\t0000000000000000"), "\(outcome.output)")
    }
  #endif

  @Test("children left behind by a child that exits are killed with its group")
  func leftoversAreKilled() throws {
    let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("leftover-\(UUID()).pid")
    defer { try? FileManager.default.removeItem(at: pidFile) }
    let outcome = try Subprocess(
      executable: "/bin/sh", arguments: ["-c", "sleep 600 >/dev/null 2>&1 & echo $! > \(pidFile.path)"]
    ).run()
    #expect(outcome.termination == .exited(0))
    let text = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(
      in: .whitespacesAndNewlines)
    #expect(waitUntilGone(try #require(pid_t(text))))
  }
}

// MARK: - Fixtures

/// Whether `pid` is gone (or a zombie waiting for its reaper) within the liveness deadline.
private func waitUntilGone(_ pid: pid_t) -> Bool {
  for _ in 0..<1_000 {
    if kill(pid, 0) != 0 && errno == ESRCH { return true }
    let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
      .split(separator: ")").last?.split(separator: " ").first
    if state == "Z" { return true }
    usleep(10_000)
  }
  return false
}
