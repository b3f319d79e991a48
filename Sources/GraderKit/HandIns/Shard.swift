/// One of N shares of a class, for grading it on N machines at once (`--shard K/N`).
///
/// The hand-ins, sorted by id, are cut into N runs of consecutive ids whose sizes differ by at
/// most one; share K is the K-th run. The same folder and the same N give every machine the same
/// cut, whatever order it lists the folder in, so the N shares hold every student exactly once.
public struct Shard: Equatable, Sendable {
  /// Which share, from 1.
  public var index: Int
  /// How many shares.
  public var count: Int

  public init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }

  /// Reads `K/N`, such as `2/4`: a share from 1 to N of N shares (N at least 1).
  init(parsing text: String) throws {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
      (1...count).contains(index)
    else {
      throw GraderError.usage(
        "--shard takes K/N, the K-th of N shares with 1 ≤ K ≤ N, such as 2/4; not '\(text)'.")
    }
    self.init(index: index, count: count)
  }

  /// The ids of this share, from the ids of the whole class in any order.
  public func select(_ ids: [String]) -> [String] {
    let sorted = ids.sorted()
    return Array(sorted[bounds(of: sorted.count)])
  }

  /// The hand-ins of this share.
  func select(_ handIns: [HandIn]) -> [HandIn] {
    let sorted = handIns.sorted { $0.id < $1.id }
    return Array(sorted[bounds(of: sorted.count)])
  }

  /// The positions of share `index` in a sorted class of `total`.
  private func bounds(of total: Int) -> Range<Int> {
    (total * (index - 1) / count)..<(total * index / count)
  }
}
