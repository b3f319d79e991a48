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
  // TODO: sum the chunks in parallel, touching nothing shared while a chunk is summed.
  throw WorkbookError.notImplemented
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
  // TODO: as in `parallelSum`, with each square and each partial sum in `UInt128`.
  throw WorkbookError.notImplemented
}
