import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The repository's Python scripts (`Benchmarks/python`), run with `python3` from the `PATH`.
struct Python: Sendable {
  /// The folder of the scripts.
  let scripts: URL
  /// The interpreter's version, like `3.11.7`.
  let version: String

  /// Python, if `python3` runs and the scripts are there; `nil` otherwise.
  init?(scripts: URL) {
    guard FileManager.default.fileExists(atPath: scripts.appendingPathComponent("common.py").path),
      let output = try? runCommand(["python3", "--version"]), output.hasPrefix("Python ")
    else { return nil }
    self.scripts = scripts
    version = String(output.dropFirst("Python ".count)).trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// What a script printed with `--json`: the samples of each variant.
  struct Report: Decodable {
    var variants: [String: [Double]]

    /// The samples of `variant` as a `Timing`, if the script measured it.
    func timing(_ variant: String, operations: Int = 1) -> Timing? {
      variants[variant].map { Timing(samples: $0, operations: operations) }
    }
  }

  /// Runs `script` with `arguments` and `--json`, and reads what it printed.
  func run(_ script: String, _ arguments: [String]) throws -> Report {
    let output = try runCommand(
      ["python3", scripts.appendingPathComponent(script).path] + arguments + ["--json"])
    guard let line = output.split(separator: "\n").last else { throw BenchError("\(script) printed nothing") }
    return try JSONDecoder().decode(Report.self, from: Data(line.utf8))
  }
}

/// Why the benchmarks stopped.
struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Runs `command` (looked up on the `PATH`) and returns its standard output; throws unless it exits 0.
///
/// Standard error passes through, so a failing script's traceback shows.
func runCommand(_ command: [String]) throws -> String {
  // A child starts with the signal mask of the thread that launches it, and Swift's concurrency
  // threads block SIGTERM and more (chapter 9, "SIGTERM that nobody hears"). Python's
  // `multiprocessing.Pool` stops its workers with SIGTERM, so a pool launched from there never
  // finishes. Launch from a thread of its own, with every signal unblocked, as from a shell.
  let outcome = Mutex<Result<String, any Error>>(.failure(BenchError("\(command[0]) never ran")))
  let finished = DispatchSemaphore(value: 0)
  let thread = Thread {
    var none = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, nil)
    let result = Result { try launch(command) }
    outcome.withLock { $0 = result }
    finished.signal()
  }
  thread.start()
  finished.wait()
  return try outcome.withLock { $0 }.get()
}

/// Starts `command`, reads its output to the end and waits for it.
private func launch(_ command: [String]) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = command
  let output = Pipe()
  process.standardOutput = output
  try process.run()
  // Read to the end before waiting: a child whose output fills the pipe would never exit.
  let data = try output.fileHandleForReading.readToEnd() ?? Data()
  process.waitUntilExit()
  guard process.terminationReason == .exit, process.terminationStatus == 0 else {
    throw BenchError("\(command.joined(separator: " ")) failed with status \(process.terminationStatus)")
  }
  return String(decoding: data, as: UTF8.self)
}
