import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs the suites again and again, on one build, and keeps every test that ever failed.
///
/// A flaky grader is the worst defect a workbook can have: a student who fixed the code sees
/// it fail. The audit repeats the suites with a new seed each run, optionally while other
/// processes keep every core busy, as on a student's loaded laptop or a shared CI machine.
/// Audited as skeletons (`expectsFailures`), the other way round: it keeps every test that ever
/// passed, a free point some untouched hand-in gets by luck, and every run that did not end as
/// plain failures.
public struct FlakeAudit {
  /// A test (or a chapter's run as a whole) that did not pass in some runs (skeletons: did not fail).
  public struct Flake: Sendable {
    public var chapter: String
    public var test: String
    /// How many runs it broke its promise in: failed, or for a skeleton, passed.
    public var failures: Int
    /// The seeds of the failing runs, to replay them.
    public var seeds: [UInt64]
  }

  public var grader: Grader
  public var runs: Int
  /// Whether to keep every core busy with a spinning process while the suites run.
  public var hogsCPUs: Bool
  /// Whether the sources are skeletons, which must fail every test, without a crash or a hang, every run.
  public var expectsFailures = false
  /// How many tests each chapter ran in the last run, by chapter number: what "every test" was.
  public private(set) var testCounts: [String: Int] = [:]

  public init(grader: Grader, runs: Int, hogsCPUs: Bool) {
    self.grader = grader
    self.runs = runs
    self.hogsCPUs = hogsCPUs
  }

  /// The flakes found, in order of how often they failed; empty when every run passed.
  public mutating func run(_ chapters: [Chapter]) throws -> [Flake] {
    // Each run checks for races anew: a kept verdict would repeat the first run's.
    grader.reusesRaceChecks = false
    let build = try grader.build()
    let hog = hogsCPUs ? try CPUHog(processes: ProcessInfo.processInfo.activeProcessorCount) : nil
    defer { hog?.stop() }
    var flakes: [String: Flake] = [:]
    for run in 1...runs {
      let seed = grader.seed &+ UInt64(run)
      let grade = grader.run(chapters, on: build, seed: seed)
      for chapter in grade.chapters {
        testCounts[chapter.id] = chapter.tests.count
        var failing: [String]
        if expectsFailures {
          failing = chapter.tests.filter(\.passed).map(\.name)
          if chapter.status != .failed || chapter.tests.isEmpty {
            failing.append("(the chapter's run: \(chapter.status.rawValue))")
          }
        } else {
          failing = chapter.tests.filter { !$0.passed }.map(\.name)
          if chapter.status != .passed && failing.isEmpty {
            failing = ["(the chapter's run: \(chapter.status.rawValue))"]
          }
        }
        for test in failing {
          flakes[
            "\(chapter.id) \(test)", default: Flake(chapter: chapter.id, test: test, failures: 0, seeds: [])
          ]
          .failures += 1
          flakes["\(chapter.id) \(test)"]?.seeds.append(seed)
        }
      }
      grader.log(
        expectsFailures
          ? "Run \(run) of \(runs): \(grade.passed) of \(grade.total) tests passed"
          : "Run \(run) of \(runs): \(grade.isPassing ? "all passed" : "\(grade.total - grade.passed) failed")"
      )
    }
    return flakes.values.sorted { $0.failures > $1.failures }
  }
}

/// Processes that spin on every core until stopped, to grade as on a loaded machine.
final class CPUHog: Sendable {
  private let pids: [pid_t]

  init(processes: Int) throws {
    pids = try (0..<processes).map { _ in
      try Subprocess(executable: "/bin/sh", arguments: ["-c", "while :; do :; done"]).start().pid
    }
  }

  func stop() {
    for pid in pids {
      kill(-pid, SIGKILL)
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      ChildProcesses.unregister(pid)
    }
  }
}
