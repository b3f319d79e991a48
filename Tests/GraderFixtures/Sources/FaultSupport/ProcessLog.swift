import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A note of every process the fixture suites start, so the fault-injection suite can prove each one is gone.
///
/// Each process gets a file named by its PID in the `processes/` folder beside this workbook's
/// `Package.swift`, holding its start time and its role. The folder is found from this file's own
/// path, so the grader needs no extra environment; the start time tells the process apart from a
/// later one the system has given the same PID.
public enum ProcessLog {
  private static let folder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // FaultSupport
    .deletingLastPathComponent()  // Sources
    .deletingLastPathComponent()
    .appendingPathComponent("processes")

  /// Notes the suite's own process, as `suite Module`.
  public static func recordSuite(_ module: String) {
    record(getpid(), role: "suite \(module)")
  }

  /// Notes a process the suite started, as `child Module`.
  public static func recordChild(_ pid: pid_t, of module: String) {
    record(pid, role: "child \(module)")
  }

  private static func record(_ pid: pid_t, role: String) {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    // Field 22 of /proc/PID/stat, the start time, is the 20th after the command's closing parenthesis.
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    let startTime = fields.count > 19 ? String(fields[19]) : "unknown"
    FileManager.default.createFile(
      atPath: folder.appendingPathComponent("\(pid)").path, contents: Data("\(startTime) \(role)\n".utf8))
  }
}
