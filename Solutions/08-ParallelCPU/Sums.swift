import WorkbookSupport

/// The guide's `cpu_intensive`, in parallel: the sum of `0..<n`, cut into `workers` chunks that
/// are summed at the same time.
///
/// Sum each chunk on its own thread with `mapChunks(upTo:workers:_:)`, then add the partial sums.
/// Call `onChunk` on the chunk's thread, with its chunk, before summing it: the tests use it to
/// watch the chunks run. The result is `n × (n − 1) / 2`, which fits in an `Int` for any `n` up
/// to four billion.
///
/// Lesson: README.md, section "Partial sums".
public func parallelSum(
  upTo n: Int,
  workers: Int,
  onChunk: @escaping @Sendable (Range<Int>) -> Void = { _ in }
) throws -> Int {
  let partials = try mapChunks(upTo: n, workers: workers) { chunk in
    onChunk(chunk)
    // A local running total: nothing shared is touched while the chunk is summed.
    var partial = 0
    for number in chunk {
      partial += number
    }
    return partial
  }
  // Combining is cheap: one addition a chunk, after the threads are done.
  return partials.reduce(0, +)
}

/// The guide's `cpu_bound_task`, in parallel: the sum of `i × i` for `i` in `0..<n`, as a
/// `UInt128`, because an `Int` overflows.
///
/// Work as in `parallelSum(upTo:workers:onChunk:)`. The total outgrows `Int` from n ≈ 3 million
/// and `UInt64` from n ≈ 3.8 million (the guide's 10 000 000 gives about 3.3 × 10²⁰); a
/// `UInt128` holds it for any n up to about 10 trillion.
///
/// Lesson: README.md, section "Partial sums".
public func parallelSumOfSquares(
  upTo n: Int,
  workers: Int,
  onChunk: @escaping @Sendable (Range<Int>) -> Void = { _ in }
) throws -> UInt128 {
  let partials = try mapChunks(upTo: n, workers: workers) { chunk in
    onChunk(chunk)
    // The partial sum needs `UInt128` as much as the total does: one chunk of a few million
    // squares is already past `UInt64`. Squaring in `UInt128` too keeps a large `number`'s
    // square from overflowing `Int` before it is widened.
    var partial: UInt128 = 0
    for number in chunk {
      partial += UInt128(number) * UInt128(number)
    }
    return partial
  }
  return partials.reduce(0, +)
}
