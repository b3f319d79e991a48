import CounterLocking
import FixtureServer
import Foundation
import ParallelCPU
import ProcessPool
import ProcessPoolGiven
import Synchronization
import ThreadPools
import WorkbookSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How many times each variant runs, and who else to measure.
struct Settings: Sendable {
  /// Timed runs of each Swift variant; a short one runs more, until half a second has passed.
  var runs: Int
  /// Timed runs of each Python variant.
  var pythonRuns: Int
  /// The repository's Python scripts, if `python3` is here and wanted.
  var python: Python?
  /// The machine's cores, the ideal speedup of CPU-bound work.
  var cores = ProcessInfo.processInfo.activeProcessorCount
}

/// Prints progress to standard error, so that standard output holds the results only.
func progress(_ line: String) {
  FileHandle.standardError.write(Data("  \(line)\n".utf8))
}

// MARK: - The guide's GIL experiment

/// The guide's `cpu_intensive`, with `n` as a parameter: the sum of `0..<n`, one number at a time.
///
/// It is the workload, not a solution: the experiment compares ways of running it.
@inline(never)
func cpuIntensive(_ n: Int) -> Int {
  var count = 0
  for i in 0..<n {
    count += i
  }
  return count
}

/// Two `cpuIntensive(n)` calls, one after the other and on two threads (chapter 8's `mapChunks`).
func gilExperiment(_ settings: Settings) throws -> [Row] {
  let guideN = 10_000_000
  let largeN = 1_000_000_000
  var rows: [Row] = []
  for n in [guideN, largeN] {
    progress("GIL experiment: cpu_intensive() twice, n = \(n.grouped)")
    let timings = try measure(
      runs: settings.runs,
      [
        {
          blackHole(cpuIntensive(opaque(n)))
          blackHole(cpuIntensive(opaque(n)))
        },
        // `mapChunks` gives each of its two chunks a thread of its own: one call on each.
        { blackHole(try mapChunks(upTo: 2, workers: 2) { _ in cpuIntensive(opaque(n)) }) },
      ])
    var python: Cells?
    if n == guideN, let script = settings.python {
      progress("GIL experiment in Python (gil.py)")
      let report = try script.run("gil.py", ["--n", String(n), "--runs", String(settings.pythonRuns)])
      python = Cells(
        sequential: report.timing("sequential"), threads: report.timing("threads"),
        processes: report.timing("processes"))
    }
    rows.append(
      Row(
        experiment: "gil",
        workload: "cpu_intensive() twice, n = \(n.grouped)" + (n == guideN ? "" : " (Swift only)"),
        columns: n == guideN ? "2 threads, 2 processes" : "2 threads",
        python: python, swift: Cells(sequential: timings[0], threads: timings[1]),
        ideal: Ideal(speedup: Double(min(2, settings.cores)), reason: "\(settings.cores) cores"),
        note: n == guideN
          ? "The guide's size: compiled Swift finishes it in milliseconds."
          : "100 times the guide's size, so that starting two threads costs nothing next to the work."))
  }
  return rows
}

/// Chapter 8's `parallelSum`: the sum of `0..<n` cut into chunks, on 1, 2 and 4 threads.
func chunksExperiment(_ settings: Settings) throws -> [Row] {
  let n = 1_000_000_000
  progress("Chunks: parallelSum(upTo: \(n.grouped), workers: 1, 2, 4)")
  let workerCounts = [1, 2, 4]
  let measured = try measure(
    runs: settings.runs,
    workerCounts.map { workers in
      {
        let sum = try parallelSum(upTo: opaque(n), workers: workers)
        guard sum == n * (n - 1) / 2 else { throw BenchError("parallelSum gave \(sum)") }
      }
    })
  let timings = Dictionary(uniqueKeysWithValues: zip(workerCounts, measured))
  return [2, 4].map { workers in
    Row(
      experiment: "chunks",
      workload: "parallelSum(upTo: \(n.grouped)): 1 worker vs \(workers) (Swift only)",
      columns: "1 worker, \(workers) workers",
      python: nil, swift: Cells(sequential: timings[1], threads: timings[workers]),
      ideal: Ideal(speedup: Double(min(workers, settings.cores)), reason: "\(settings.cores) cores"),
      note: workers > settings.cores ? "More threads than cores only take turns." : nil)
  }
}

// MARK: - The guide's multiprocessing example

/// The guide's `cpu_bound_task` over four numbers: one child at a time, then a pool of four
/// (chapter 9's `ProcessPool` running `sum-worker`).
func processesExperiment(_ settings: Settings) async throws -> [Row] {
  let numbers = [10_000_000, 20_000_000, 30_000_000, 40_000_000]
  let worker = Worker(executable: siblingExecutable("sum-worker"))
  progress("Process pool: sum-worker over \(numbers.map(\.grouped).joined(separator: ", "))")
  func check(_ results: [WorkerResult]) throws {
    // Exact sums, each from a child of this process: the work really ran elsewhere.
    guard results.count == numbers.count else { throw BenchError("sum-worker gave \(results.count) results") }
    for (n, result) in zip(numbers, results) {
      let m = UInt128(n)
      guard result.sum == (m - 1) * m * (2 * m - 1) / 6, result.parentProcessID == getpid(),
        result.processID != getpid()
      else { throw BenchError("sum-worker gave a wrong result for \(n): \(result)") }
    }
  }
  let timings = try await measure(
    runs: settings.runs,
    [1, 4].map { processes in
      { try check(try await ProcessPool(worker: worker, processes: processes).map(numbers)) }
    })
  var python: Cells?
  if let script = settings.python {
    progress("Process pool in Python (cpu_bound.py)")
    let report = try script.run(
      "cpu_bound.py", ["--runs", String(settings.pythonRuns)] + numbers.map(String.init))
    python = Cells(sequential: report.timing("sequential"), processes: report.timing("processes"))
  }
  // No pool beats its largest task, nor the total work shared out over every core.
  let total = Double(numbers.reduce(0, +))
  let best = max(total / Double(settings.cores), Double(numbers.max() ?? 0))
  return [
    Row(
      experiment: "processes",
      workload: "cpu_bound_task() over 10, 20, 30, 40 million",
      columns: "pool of 4 processes",
      python: python, swift: Cells(sequential: timings[0], processes: timings[1]),
      ideal: Ideal(
        speedup: total / best, reason: "\(settings.cores) cores; the largest task is 40 % of the work"),
      note: "Swift's sequential column runs the same sum-worker children one at a time (a pool of 1); "
        + "Python's runs the function in-process, as the guide does.")
  ]
}

// MARK: - The guide's ThreadPoolExecutor example

/// Pages that each take `delay` on the fixture server, fetched through pools of 1, 3 and n workers
/// (chapter 6's `fetchAll(_:maxWorkers:timeout:report:)`).
func fetchExperiment(_ settings: Settings) throws -> [Row] {
  let pages = 12
  let delay = 200
  let workerCounts = [1, 3, pages]
  return try FixtureServer.withRunning { server in
    let urls = (0..<pages).map { server.url(for: "/page/\($0)?delay=\(delay)") }
    _ = try ThreadPools.fetchAll([server.url(for: "/page/warm-up")], maxWorkers: 1)
    var swift: [Int: (timing: Timing, peak: Int)] = [:]
    var python: [Int: (timing: Timing, peak: Int)] = [:]
    for workers in workerCounts {
      progress("Pooled fetching: \(pages) pages × \(delay) ms, \(workers) worker\(workers == 1 ? "" : "s")")
      server.resetStatistics()
      // Each run takes seconds and the delays dominate it: as many runs as Python's, no more.
      let timing = try measure(
        runs: settings.pythonRuns, minimum: 0, warmUp: false,
        [
          {
            let reports = try ThreadPools.fetchAll(urls, maxWorkers: workers, timeout: .seconds(10))
            guard reports.count == pages, reports.allSatisfy({ (try? $0.outcome.get()) == 200 }) else {
              throw BenchError("a fetch failed: \(reports)")
            }
          }
        ])[0]
      // The server's own count proves the pool's bound: never more requests at once than workers.
      swift[workers] = (timing, server.statistics.peakInFlight)
      if let script = settings.python {
        progress("Pooled fetching in Python (fetch_pool.py), \(workers) worker\(workers == 1 ? "" : "s")")
        server.resetStatistics()
        let report = try script.run(
          "fetch_pool.py",
          [
            "--base-url", server.baseURL.absoluteString, "--pages", String(pages), "--delay", String(delay),
            "--workers", String(workers), "--runs", String(settings.pythonRuns),
          ])
        if let timing = report.timing("workers-\(workers)") {
          python[workers] = (timing, server.statistics.peakInFlight)
        }
      }
    }
    return workerCounts.map { workers in
      let rounds = (pages + workers - 1) / workers
      let peaks =
        "requests in flight at once, as the server counted them: Swift \(swift[workers]?.peak ?? 0)"
        + (python[workers].map { ", Python \($0.peak)" } ?? "")
      return Row(
        experiment: "fetch",
        workload: "\(pages) pages × \(delay) ms, \(workers) worker\(workers == 1 ? "" : "s")",
        columns: workers == 1 ? "1 worker" : "1 worker, \(workers) workers",
        python: python.isEmpty
          ? nil : Cells(sequential: python[1]?.timing, threads: workers == 1 ? nil : python[workers]?.timing),
        swift: Cells(sequential: swift[1]?.timing, threads: workers == 1 ? nil : swift[workers]?.timing),
        ideal: Ideal(
          speedup: Double(pages) / Double(rounds), seconds: Double(rounds * delay) / 1000,
          reason: "ceil(\(pages) / \(workers)) × \(delay) ms"),
        note: peaks)
    }
  }
}

// MARK: - Locked counters

/// A counter that many threads increment: the thing the locks of chapter 2 protect.
protocol SharedCounter: Sendable {
  func increment()
  var value: Int { get }
}

/// Chapter 2's `Counter`, a `Mutex` around an `Int`, without the guide's pause.
extension Counter: SharedCounter {}

/// The same count behind an `NSLock`, the lock chapter 2 names as the alternative.
// `@unchecked Sendable`: `count` is read and written only while `lock` is held.
final class NSLockCounter: SharedCounter, @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  func increment() { lock.withLock { count += 1 } }
  var value: Int { lock.withLock { count } }
}

/// No lock at all: one atomic read–modify–write per increment.
final class AtomicCounter: SharedCounter {
  private let count = Atomic(0)
  func increment() { count.wrappingAdd(1, ordering: .relaxed) }
  var value: Int { count.load(ordering: .relaxed) }
}

/// `counter += 1` under a lock as fast as it goes, on one thread and then on two threads at once.
func counterExperiment(_ settings: Settings) throws -> [Row] {
  let pythonOperations = 400_000
  var python: Cells?
  if let script = settings.python {
    progress("Locked counter in Python (counter.py)")
    let report = try script.run(
      "counter.py", ["--operations", String(pythonOperations), "--runs", String(settings.pythonRuns)])
    python = Cells(
      sequential: report.timing("sequential", operations: pythonOperations),
      threads: report.timing("threads", operations: pythonOperations))
  }
  return try [
    counterRow("Mutex (chapter 2's Counter)", python, settings) { Counter(0, pause: .none) },
    counterRow("NSLock", python, settings) { NSLockCounter() },
    counterRow("Atomic (no lock)", python, settings) { AtomicCounter() },
  ]
}

/// One kind of counter, incremented `4 000 000` times on one thread, then shared out over two.
///
/// Generic rather than over `any SharedCounter`, so that each increment is a direct call.
func counterRow<Kind: SharedCounter>(
  _ name: String, _ python: Cells?, _ settings: Settings, make: @escaping @Sendable () -> Kind
) throws -> Row {
  let operations = 4_000_000
  progress("Locked counter: \(name)")
  let timings = try measure(
    runs: settings.runs, operations: operations,
    [1, 2].map { threads in
      {
        let counter = make()
        // Chapter 8's `mapChunks`: a thread for each share of the increments, all at once.
        _ = try mapChunks(upTo: operations, workers: threads) { share in
          for _ in share { counter.increment() }
        }
        guard counter.value == operations else { throw BenchError("\(name) lost an update") }
      }
    })
  return Row(
    experiment: "counter",
    workload: "counter += 1, shared: Swift \(name); Python threading.Lock",
    columns: "1 thread, 2 threads; time per increment",
    python: python, swift: Cells(sequential: timings[0], threads: timings[1]),
    ideal: nil,
    note: "Two threads contend for one counter: no speedup is possible, only a smaller slowdown.")
}

// MARK: - Helpers

/// An executable product built next to this one, like `sum-worker`.
func siblingExecutable(_ name: String) -> URL {
  let path =
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
    ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
  return URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name)
}

extension Int {
  /// The number with a thin space every three digits: `10 000 000`.
  var grouped: String {
    let digits = Array(String(self))
    var text = ""
    for (index, digit) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { text += " " }
      text.append(digit)
    }
    return text
  }
}
