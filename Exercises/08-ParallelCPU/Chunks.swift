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
  // TODO: cut `0..<n` into `count` chunks instead of returning all of it as one.
  [0..<n]
}
