import Foundation
import Synchronization
import WorkbookCore

extension Demo {
  /// Chapter 8: the guide's GIL experiment, in a language without a GIL.
  static let parallelCPU = Demo(
    number: "08", title: "Parallel CPU work",
    summary: "two CPU-bound sums, one after the other, then on two threads: Swift has no GIL",
    run: runParallelCPU)
}

/// The guide's `cpu_intensive`: the sum of `0..<n`, in a plain loop.
///
/// `@inline(never)` keeps each call a call of its own.
@inline(never)
private func cpuIntensive(_ n: Int) -> Int {
  var count = 0
  for i in 0..<n {
    count += i
  }
  return count
}

/// `value`, through a function the optimizer can't see into: two calls of `cpuIntensive` with
/// the same visible argument would be computed once.
@_optimize(none)
private func opaque(_ value: Int) -> Int {
  value
}

private func runParallelCPU() {
  // The guide's ten million takes compiled Swift a few milliseconds, less than the noise of
  // starting a thread: the demo adds up ten times as many numbers, a hundred in a release build.
  #if DEBUG
    let n = 100_000_000
  #else
    let n = 1_000_000_000
  #endif
  print("Running CPU-intensive tasks (sums of 0..<\(n))…")

  let (sequential, sequentialTime) = timed { [cpuIntensive(opaque(n)), cpuIntensive(opaque(n))] }
  print("Sequential execution took \(sequentialTime.seconds)")

  // Each thread keeps its own running total and publishes it once, into its own slot.
  let slots = Mutex<[Int]>([0, 0])
  let ((), threadedTime) = timed {
    runOnThreads(2) { index in
      let sum = cpuIntensive(opaque(n))
      slots.withLock { $0[index] = sum }
    }
  }
  print("Threaded execution took \(threadedTime.seconds)")

  let speedup = sequentialTime.timeInterval / threadedTime.timeInterval
  let cores = ProcessInfo.processInfo.activeProcessorCount
  print()
  print(
    String(
      format: "Speedup %.2f× on %d cores (Python's threads, held back by the GIL: about 1×).", speedup, cores)
  )
  let same = slots.withLock { $0 } == sequential
  print("Both ways computed \(sequential[0]) twice: \(same ? "the same answers" : "DIFFERENT answers").")
}
