import Foundation
import ParallelCPU
import Synchronization
import Testing
import WorkbookCore
import WorkbookTestSupport

@Suite("Chapter 8 · Parallel CPU work", .timeline)
struct ParallelCPUTests {
  // R08.1, R08.2, R08.3, R08.4, R08.5
  @Test(
    "chunks(upTo:count:) cuts 0..<n into count chunks in order, the first n % count one longer",
    arguments: Size.exactCases)
  func chunksAreEvenAndContiguous(size: Size) {
    var random = WorkbookRandom("\(#function) \(size)")
    let count = random.int(in: 2...8)
    let n = size.n(workers: count, using: &random)

    let result = chunks(upTo: n, count: count)

    #expect(result == evenChunks(upTo: n, count: count), "chunks(upTo: \(n), count: \(count)) gave \(result)")
  }

  // R08.6, R08.7, R08.8, R08.9
  @Test("mapChunks runs every chunk at the same time, each on a thread of its own")
  func mapChunksRunsChunksTogether() throws {
    var random = WorkbookRandom()
    // More chunks than cores, every run: a shared pool of one thread a core cannot run them all at
    // once, and one chunk a core is not `workers` chunks.
    let workers = ProcessInfo.processInfo.activeProcessorCount + random.int(in: 1...3)
    let n = random.int(in: workers...100_000)
    let watcher = ChunkWatcher(workers: workers)

    let sizes = try mapChunks(upTo: n, workers: workers) { chunk in
      watcher.watch(chunk)
      return chunk.count
    }

    let expected = evenChunks(upTo: n, count: workers)
    #expect(watcher.chunksSeen == expected, "the chunks run were \(watcher.chunksSeen)")
    #expect(watcher.allMet, "the \(workers) chunks never all ran at the same time")
    #expect(watcher.threadCount == workers, "\(workers) chunks ran on \(watcher.threadCount) thread(s)")
    #expect(sizes == expected.map(\.count), "mapChunks gave \(sizes) for chunks of \(expected.map(\.count))")
  }

  // R08.10, R08.11
  @Test("mapChunks returns each chunk's result in chunk order, even when the last chunk finishes first")
  func mapChunksKeepsChunkOrder() throws {
    var random = WorkbookRandom()
    let workers = random.int(in: 2...6)
    let n = random.int(in: (workers * 10)...100_000)
    let expected = evenChunks(upTo: n, count: workers)
    // Chunk i may finish only after chunk i + 1 has: the chunks finish last to first. One
    // deadline for the whole chain, so code that runs the chunks one at a time fails once,
    // not once a chunk.
    let finishedChunks = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
    let limit = DispatchTime.now() + Liveness.deadline.timeInterval
    let waitedTooLong = Atomic(false)
    let recorder = TraceRecorder.current
    // The last chunk to finish, chunk 0, finishes only once the caller sleeps, waiting for it:
    // mapChunks that returns without waiting for every chunk returns without chunk 0's result.
    let caller = ThreadActivity.current()
    let hasReturned = Atomic(false)

    let results = try mapChunks(upTo: n, workers: workers) { chunk in
      let index = expected.firstIndex(of: chunk) ?? 0
      recorder?.begin("chunk running", lane: "chunk \(index)")
      defer { recorder?.end("chunk running", lane: "chunk \(index)") }
      if index + 1 < workers, finishedChunks[index + 1].wait(timeout: limit) == .timedOut {
        waitedTooLong.store(true, ordering: .sequentiallyConsistent)
      }
      if index == 0 {
        // A state the caller is in, not a time: `nil` (no /proc) goes on at once.
        while caller.isAsleep == false, !hasReturned.load(ordering: .sequentiallyConsistent),
          DispatchTime.now() < limit
        {
          usleep(100)
        }
      }
      finishedChunks[index].signal()
      return chunk.lowerBound
    }
    hasReturned.store(true, ordering: .sequentiallyConsistent)
    if results != expected.map(\.lowerBound),
      let first = expected.firstIndex(where: { $0.lowerBound == results.first })
    {
      recorder?.violation(
        "mapChunks gave chunk \(first)'s result first: the order the chunks finished in, not their order",
        lane: "chunk \(first)")
    }

    let timedOut = waitedTooLong.load(ordering: .sequentiallyConsistent)
    #expect(!timedOut, "a chunk waited in vain for the next one: do the chunks run at the same time?")
    #expect(
      results == expected.map(\.lowerBound),
      "results came back as chunks starting at \(results), not \(expected.map(\.lowerBound))"
    )
  }

  // R08.14, R08.15, R08.18
  @Test("parallelSum(upTo:workers:) equals n × (n − 1) / 2", arguments: Size.exactCases)
  func parallelSumIsExact(size: Size) throws {
    var random = WorkbookRandom("\(#function) \(size)")
    let workers = random.int(in: 2...8)
    let n = size.n(workers: workers, using: &random)

    let sum = try parallelSum(upTo: n, workers: workers)

    #expect(sum == n * (n - 1) / 2, "the sum of 0..<\(n) on \(workers) workers")
  }

  // R08.15, R08.16
  @Test(
    "parallelSumOfSquares(upTo:workers:) equals (n − 1) × n × (2n − 1) / 6",
    arguments: Size.exactCases + [.pastUInt64]
  )
  func parallelSumOfSquaresIsExact(size: Size) throws {
    var random = WorkbookRandom("\(#function) \(size)")
    // Past UInt64, two workers: then one chunk alone outgrows UInt64, not only the total.
    let workers = size == .pastUInt64 ? 2 : random.int(in: 2...8)
    let n = size.n(workers: workers, using: &random)

    let sum = try parallelSumOfSquares(upTo: n, workers: workers)

    #expect(sum == sumOfSquares(upTo: n), "the sum of squares of 0..<\(n) on \(workers) workers")
  }

  // R08.12, R08.13, R08.14
  @Test(
    "the sums hand every chunk to onChunk on a thread of its own, all chunks at the same time",
    arguments: Sum.allCases)
  func sumsRunTheirChunksTogether(sum: Sum) throws {
    var random = WorkbookRandom("\(#function) \(sum)")
    // Several rounds, each a new chance to catch threads that write one shared total: as lost
    // updates when they overlap, or in the race check, where ThreadSanitizer stays silent in
    // some runs (with both cores busy, 6 in 20 for a single round).
    for _ in 1...4 {
      let workers = random.int(in: 2...6)
      let n = random.int(in: workers...200_000)
      let watcher = ChunkWatcher(workers: workers)

      let isExact =
        switch sum {
        case .numbers:
          try parallelSum(upTo: n, workers: workers, onChunk: watcher.watch) == n * (n - 1) / 2
        case .squares:
          try parallelSumOfSquares(upTo: n, workers: workers, onChunk: watcher.watch) == sumOfSquares(upTo: n)
        }

      let chunksAreEven = watcher.chunksSeen == evenChunks(upTo: n, count: workers)
      #expect(isExact, "the \(sum) of 0..<\(n) came out wrong")
      #expect(chunksAreEven, "onChunk saw \(watcher.chunksSeen)")
      #expect(watcher.allMet, "the \(workers) chunks never all ran at the same time")
      #expect(watcher.threadCount == workers, "\(workers) chunks ran on \(watcher.threadCount) thread(s)")
      // One round's failures say all there is to say.
      guard isExact && chunksAreEven && watcher.allMet && watcher.threadCount == workers else { return }
    }
  }
}

// MARK: - Fixtures

/// The kinds of `n` each exact-result test tries, the edge cases first.
enum Size: CustomTestStringConvertible, Sendable {
  /// n = 0: every chunk is empty.
  case zero
  /// 0 < n < workers: some chunks are empty.
  case fewerThanWorkers
  /// n a multiple of the worker count: all chunks the same size.
  case even
  /// n one to workers − 1 past a multiple: the first chunks take one more.
  case uneven
  /// Any n up to a million.
  case random
  /// Large enough that the sum of squares no longer fits in a `UInt64`, nor, on two workers, the
  /// sum of the second chunk alone.
  case pastUInt64

  /// The sizes every exact-result test tries.
  static let exactCases: [Size] = [.zero, .fewerThanWorkers, .even, .uneven, .random]

  var testDescription: String {
    switch self {
    case .zero: "n = 0"
    case .fewerThanWorkers: "n < workers"
    case .even: "n divisible by workers"
    case .uneven: "n not divisible by workers"
    case .random: "random n"
    case .pastUInt64: "n past UInt64's range"
    }
  }

  func n(workers: Int, using random: inout WorkbookRandom) -> Int {
    switch self {
    case .zero: 0
    case .fewerThanWorkers: random.int(in: 1...(workers - 1))
    case .even: workers * random.int(in: 1...10_000)
    case .uneven: workers * random.int(in: 0...10_000) + random.int(in: 1...(workers - 1))
    case .random: random.int(in: 0...1_000_000)
    // From n = 3 810 779 on, the sum of squares of 0..<n is larger than `UInt64.max`; from about
    // n = 3 990 000 on, so is the sum of squares of its second half, n / 2..<n.
    case .pastUInt64: random.int(in: 4_050_000...4_300_000)
    }
  }
}

/// The two sums that take an `onChunk` hook.
enum Sum: CaseIterable, CustomTestStringConvertible, Sendable {
  case numbers, squares

  var testDescription: String {
    switch self {
    case .numbers: "parallelSum"
    case .squares: "parallelSumOfSquares"
    }
  }
}

/// Meets every chunk at a rendezvous, and notes which chunk ran on which thread.
private final class ChunkWatcher: Sendable {
  private struct Run {
    let chunk: Range<Int>
    let thread: UInt
    let met: Bool
  }

  private let rendezvous: Rendezvous
  private let runs = Guarded<[Run]>([])

  init(workers: Int) {
    rendezvous = Rendezvous(parties: workers)
  }

  /// Called from a chunk's body: waits until every chunk has arrived, or the deadline passes.
  @Sendable func watch(_ chunk: Range<Int>) {
    let met = rendezvous.arrive()
    let run = Run(chunk: chunk, thread: currentThread(), met: met)
    runs.withLock { $0.append(run) }
  }

  /// The chunks that ran, in order.
  var chunksSeen: [Range<Int>] {
    runs.withLock { $0.map(\.chunk) }.sorted { $0.lowerBound < $1.lowerBound }
  }

  /// Whether every chunk got through the rendezvous: they all ran at the same time.
  var allMet: Bool {
    runs.withLock { $0.allSatisfy(\.met) }
  }

  /// How many different threads the chunks ran on.
  var threadCount: Int {
    runs.withLock { Set($0.map(\.thread)).count }
  }
}

/// The chunks the lesson asks for, worked out the slow way: one element at a time, round robin
/// over the sizes.
private func evenChunks(upTo n: Int, count: Int) -> [Range<Int>] {
  var sizes = Array(repeating: 0, count: count)
  for element in 0..<n {
    sizes[element % count] += 1
  }
  var start = 0
  var result: [Range<Int>] = []
  for size in sizes {
    result.append(start..<(start + size))
    start += size
  }
  return result
}

/// The closed form of the sum of squares of `0..<n`.
private func sumOfSquares(upTo n: Int) -> UInt128 {
  guard n > 0 else { return 0 }
  let wide = UInt128(n)
  return (wide - 1) * wide * (2 * wide - 1) / 6
}
