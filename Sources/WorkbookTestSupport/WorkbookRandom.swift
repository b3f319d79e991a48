import Foundation
import WorkbookCore

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

  private var generator: SplitMix64

  /// A generator for the test named `label`, seeded from the run's seed.
  public init(_ label: String = #function) {
    generator = SplitMix64(seed: Self.seed, label: label)
  }

  public mutating func next() -> UInt64 {
    generator.next()
  }

  /// A random integer in `range`.
  public mutating func int(in range: ClosedRange<Int>) -> Int {
    Int.random(in: range, using: &self)
  }

  /// One of `choices`, which must not be empty.
  public mutating func pick<Element>(_ choices: [Element]) -> Element {
    choices[int(in: 0...(choices.count - 1))]
  }

  /// A random lowercase word of `length` letters, for names, pages and gates.
  public mutating func word(length: ClosedRange<Int> = 2...9) -> String {
    let letters = Array("abcdefghijklmnopqrstuvwxyz")
    return String((0..<int(in: length)).map { _ in pick(letters) })
  }
}
