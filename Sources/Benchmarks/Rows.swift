import Foundation

/// The times of one workload in one language: sequential, on threads, in processes.
struct Cells: Codable, Sendable {
  var sequential: Timing?
  var threads: Timing?
  var processes: Timing?

  /// Each cell with its column's name, in column order.
  var named: [(column: String, timing: Timing?)] {
    [("sequential", sequential), ("threads", threads), ("processes", processes)]
  }

  /// How much faster threads and processes are than sequential, by median.
  var speedups: (threads: Double?, processes: Double?) {
    guard let sequential else { return (nil, nil) }
    return (
      threads.map { sequential.perOperation / $0.perOperation },
      processes.map { sequential.perOperation / $0.perOperation }
    )
  }
}

/// What a perfect implementation would achieve on this machine.
struct Ideal: Codable, Sendable {
  /// The best possible speedup over sequential.
  var speedup: Double?
  /// The best possible time of the parallel variant, in seconds, where one is known (I/O).
  var seconds: Double?
  /// Why: `2 cores`, `ceil(12 / 3) × 200 ms`.
  var reason: String
}

/// One line of the results: a workload, its times in Python and in Swift, and the ideal.
struct Row: Codable, Sendable {
  /// The experiment it belongs to: `gil`, `processes`, `fetch`, `counter`, `chunks`.
  var experiment: String
  /// What was measured, for a person.
  var workload: String
  /// What the columns mean when it is not the obvious, like `1 thread | 2 threads`.
  var columns: String?
  var python: Cells?
  var swift: Cells
  var ideal: Ideal?
  /// Anything worth knowing to read the row: what proved the pool's bound, what Python lacks.
  var note: String?
  /// The ratios a reader compares, computed from the medians: filled in before the row is written.
  var derived: Derived?

  /// Speedups over sequential, Swift over Python, and distance from the ideal, by column.
  struct Derived: Codable, Sendable {
    var pythonSpeedups: [String: Double]
    var swiftSpeedups: [String: Double]
    /// How many times faster Swift is than Python (per operation), by column.
    var swiftOverPython: [String: Double]
    /// The parallel median's distance from the ideal time, as a fraction (0.03 is 3 % slower).
    var overIdealTime: [String: Double]
  }

  /// The row with `derived` filled in.
  var withDerivedFigures: Row {
    func speedups(_ cells: Cells?) -> [String: Double] {
      guard let (threads, processes) = cells?.speedups else { return [:] }
      return ["threads": threads, "processes": processes].compactMapValues { $0 }
    }
    var row = self
    row.derived = Derived(
      pythonSpeedups: speedups(python), swiftSpeedups: speedups(swift),
      swiftOverPython: Dictionary(uniqueKeysWithValues: swiftOverPython),
      overIdealTime: ["python": overIdeal(python), "swift": overIdeal(swift)].compactMapValues { $0 })
    return row
  }

  /// How far the parallel median of `cells` is from the ideal time, as a fraction: 0.03 is 3 % slower.
  func overIdeal(_ cells: Cells?) -> Double? {
    guard let seconds = ideal?.seconds,
      let time = cells.flatMap({ $0.threads ?? $0.processes ?? $0.sequential })
    else { return nil }
    return time.median / seconds - 1
  }

  /// How many times faster Swift is than Python, cell by cell, per operation.
  var swiftOverPython: [(column: String, ratio: Double)] {
    guard let python else { return [] }
    return zip(python.named, swift.named).compactMap { pair in
      guard let p = pair.0.timing, let s = pair.1.timing else { return nil }
      return (pair.0.column, p.perOperation / s.perOperation)
    }
  }
}

/// The machine and the tools a run measured with.
struct Machine: Codable, Sendable {
  var cores: Int
  var cpu: String
  var swift: String
  var python: String?
  var loadAverageBefore: Double?
  var loadAverageAfter: Double?
  var date: String
}

/// Everything a run measured, as written to `results.json`.
struct Results: Codable, Sendable {
  var machine: Machine
  /// The least number of timed runs of each Swift variant.
  var runs: Int
  /// The number of timed runs of each Python variant, and of pooled fetching.
  var pythonRuns: Int
  var rows: [Row]
}
