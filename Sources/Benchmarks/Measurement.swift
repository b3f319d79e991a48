import Foundation
import WorkbookCore

/// The times of one variant of an experiment: every sample, and how many operations each covers.
struct Timing: Codable, Sendable {
  /// Seconds, one per timed run.
  var samples: [Double]
  /// Operations each run performs: 1 for a whole workload, the increments for a counter.
  var operations: Int = 1

  /// The median of the samples, in seconds: robust to the odd run another process disturbs.
  var median: Double {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  /// The median time of one operation, in seconds.
  var perOperation: Double { median / Double(operations) }
}

/// Times each of `variants` at least `runs` times, taking turns, and more while a variant's
/// samples add up to less than `minimum` seconds (up to 200 each).
///
/// Each variant runs once first to warm up (unless `warmUp` is false). Taking turns, one sample of
/// each in a round, spreads a burst of other work on the machine over every variant alike instead
/// of skewing whichever variant happened to run then.
func measure(
  runs: Int, minimum: Double = 1, warmUp: Bool = true, operations: Int = 1, _ variants: [() throws -> Void]
) throws -> [Timing] {
  if warmUp {
    for variant in variants { try variant() }
  }
  let clock = ContinuousClock()
  var samples = [[Double]](repeating: [], count: variants.count)
  while samples.contains(where: { $0.count < runs || ($0.reduce(0, +) < minimum && $0.count < 200) }) {
    for (index, variant) in variants.enumerated() {
      let start = clock.now
      try variant()
      samples[index].append(start.duration(to: clock.now).timeInterval)
    }
  }
  return samples.map { Timing(samples: $0, operations: operations) }
}

/// `measure` for variants that suspend.
func measure(
  runs: Int, minimum: Double = 1, warmUp: Bool = true, operations: Int = 1,
  isolation: isolated (any Actor)? = #isolation, _ variants: [() async throws -> Void]
) async throws -> [Timing] {
  if warmUp {
    for variant in variants { try await variant() }
  }
  let clock = ContinuousClock()
  var samples = [[Double]](repeating: [], count: variants.count)
  while samples.contains(where: { $0.count < runs || ($0.reduce(0, +) < minimum && $0.count < 200) }) {
    for (index, variant) in variants.enumerated() {
      let start = clock.now
      try await variant()
      samples[index].append(start.duration(to: clock.now).timeInterval)
    }
  }
  return samples.map { Timing(samples: $0, operations: operations) }
}

/// Returns `value` through a function the optimizer can't see into, so a constant input can't be
/// folded into the workload and the workload can't be run once instead of once per call.
@_optimize(none)
func opaque<Value>(_ value: Value) -> Value {
  value
}

/// Consumes `value` where the optimizer can't see, so the work that made it is never deleted.
@_optimize(none)
func blackHole<Value>(_ value: Value) {}
