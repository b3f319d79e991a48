/// Splits `0..<n` into `count` contiguous chunks, in order, whose sizes differ by at most one.
///
/// The first `n % count` chunks take one element more than the rest, so no worker gets much
/// more to do than another. There are always `count` chunks: when `n` is smaller than `count`,
/// the last ones are empty. `n` must not be negative and `count` must be at least one.
///
///     chunks(upTo: 10, count: 3)   // [0..<4, 4..<7, 7..<10]
///     chunks(upTo: 2, count: 3)    // [0..<1, 1..<2, 2..<2]
///
/// Lesson: README.md, section "Cutting the work into chunks".
public func chunks(upTo n: Int, count: Int) -> [Range<Int>] {
  precondition(n >= 0, "chunks(upTo:count:) needs n ≥ 0, not \(n)")
  precondition(count >= 1, "chunks(upTo:count:) needs count ≥ 1, not \(count)")
  // Sizes `base + 1` for the first `extra` chunks and `base` for the rest add up to exactly `n`,
  // and never differ by more than one, however unevenly `count` divides `n`.
  let (base, extra) = n.quotientAndRemainder(dividingBy: count)
  var start = 0
  return (0..<count).map { index in
    let size = base + (index < extra ? 1 : 0)
    // Each chunk starts where the one before it ended: no gap, no overlap.
    defer { start += size }
    return start..<(start + size)
  }
}
