import Foundation
import Synchronization
import WorkbookCore

extension Demo {
  /// Chapter 9: the guide's `multiprocessing.Pool(4).map`, with `sum-worker` children.
  static let processPool = Demo(
    number: "09", title: "Process pool",
    summary: "the guide's four sums in sum-worker children: one at a time, then four at once",
    run: runProcessPool)
}

/// Where the demo looks for `sum-worker`: beside its own executable, where SwiftPM builds both.
private func sumWorkerURL() -> URL {
  let path =
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
  return URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("sum-worker")
}

/// Runs `sum-worker n` in a child process and returns the line it prints.
private func runWorker(_ worker: URL, _ n: Int, recorder: TraceRecorder? = nil) throws -> String {
  try traced("child alive", by: recorder) { try runChild(worker, n) }
}

private func runChild(_ worker: URL, _ n: Int) throws -> String {
  let process = Process()
  process.executableURL = worker
  process.arguments = [String(n)]
  let output = Pipe()
  process.standardOutput = output
  // Foundation calls this once the child has exited and been reaped. (`waitUntilExit()` would do
  // too, but on Linux it checks only every 50 ms when called on the main thread.)
  let exited = DispatchSemaphore(value: 0)
  process.terminationHandler = { _ in exited.signal() }
  try process.run()
  // Read to the end before waiting: a child whose output fills the pipe would never exit.
  let data = try output.fileHandleForReading.readToEnd() ?? Data()
  exited.wait()
  return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

private func runProcessPool() throws {
  let worker = sumWorkerURL()
  guard FileManager.default.isExecutableFile(atPath: worker.path) else {
    print("sum-worker is not built next to demos (\(worker.path)): run swift build --product sum-worker")
    throw CocoaError(.fileNoSuchFile)
  }
  #if DEBUG
    // A debug build's worker adds up a hundred times slower than a release build's: a tenth of the
    // guide's numbers keeps the demo to a few seconds. `swift run -c release demos 09` runs them all.
    let numbers = [1_000_000, 2_000_000, 3_000_000, 4_000_000]
    print("Debug build: a tenth of the guide's numbers (swift run -c release demos 09 for all of them).")
  #else
    let numbers = [10_000_000, 20_000_000, 30_000_000, 40_000_000]
  #endif
  print("This process is \(getpid()); each sum runs in a child of it.")
  // The first start of a program loads it from disk: keep that out of the timings.
  _ = try runWorker(worker, 0)

  // `demos --trace`: each child's life is a bar, on the lane of the thread that waits for it.
  let recorder = TraceRecorder.current
  recorder?.threadLane(named: "one by one")
  let (sequential, sequentialTime) = try timed {
    try numbers.map { try runWorker(worker, $0, recorder: recorder) }
  }
  print("Sequential execution took: \(sequentialTime.seconds)")

  // A pool of four: a thread per input, each starting one child and waiting for it.
  let lines = Mutex<[String]>(Array(repeating: "", count: numbers.count))
  let ((), parallelTime) = timed {
    runOnThreads(numbers.count, named: "pool") { index in
      let line = (try? runWorker(worker, numbers[index], recorder: recorder)) ?? "failed"
      lines.withLock { $0[index] = line }
    }
  }
  print("Parallel execution took: \(parallelTime.seconds)")
  print()
  for line in lines.withLock({ $0 }) { print("  " + line) }
  print()
  let speedup = sequentialTime.timeInterval / parallelTime.timeInterval
  print(String(format: "Speedup %.2f× with %d cores.", speedup, ProcessInfo.processInfo.activeProcessorCount))
  let same = sequential.map(sumField) == lines.withLock { $0.map(sumField) }
  print("The same sums both ways: \(same ? "yes" : "NO")")
}

/// The `sum=…` field of a worker's line.
private func sumField(_ line: String) -> Substring? {
  line.split(separator: " ").first { $0.hasPrefix("sum=") }
}
