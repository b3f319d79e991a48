import Foundation

/// Random test inputs that change every run yet can be replayed: a hard-coded answer fails.
///
/// Every process draws one seed, from `WORKBOOK_SEED` when it is set. Each test mixes that seed
/// with its own name, so one test's inputs don't shift when another test draws more numbers.
///
///     var random = WorkbookRandom()
///     let threads = random.int(in: 4...8)
public struct WorkbookRandom: RandomNumberGenerator, Sendable {
  /// The seed of this run; set `WORKBOOK_SEED` to it to replay the same inputs.
  public static let seed: UInt64 = {
    let seed =
      ProcessInfo.processInfo.environment["WORKBOOK_SEED"].flatMap { UInt64($0) }
      ?? UInt64.random(in: 1...999_999)
    FileHandle.standardError.write(Data("workbook seed: \(seed) (replay with WORKBOOK_SEED=\(seed))\n".utf8))
    return seed
  }()

  private var state: UInt64

  /// A generator for the test named `label`, seeded from the run's seed.
  public init(_ label: String = #function) {
    // FNV-1a: a stable hash, unlike `hashValue`, which changes from process to process.
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in label.utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    state = Self.seed ^ hash
  }

  /// SplitMix64: small, fast and good enough to pick test inputs.
  public mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }

  /// A random integer in `range`.
  public mutating func int(in range: ClosedRange<Int>) -> Int {
    Int.random(in: range, using: &self)
  }
}
