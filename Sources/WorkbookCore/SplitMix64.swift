/// A random number generator whose stream its seed fixes, in every process and on every platform.
///
/// The workbook draws every randomized input from it: a test's inputs and the fixture server's
/// bodies change from run to run, yet the same seed replays them. SplitMix64 is small, fast and
/// good enough to pick inputs; it is not for secrets.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
  private var state: UInt64

  /// The stream of `seed`.
  public init(seed: UInt64) {
    state = seed
  }

  /// The stream of `label` within the run of `seed`: each test or path draws numbers of its own,
  /// so one label's inputs don't shift when another label draws more.
  public init(seed: UInt64, label: String) {
    self.init(seed: seed ^ Self.stableHash(label))
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }

  /// FNV-1a of the text's UTF-8: stable, unlike `hashValue`, which changes from process to process.
  static func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    return hash
  }
}
