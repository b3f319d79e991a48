import Foundation

/// A short pause in the middle of a read–modify–write, like the guide's `time.sleep(0.001)`.
///
/// The pause widens the window between reading shared state and writing it back, so a race that
/// would strike once in a million runs strikes every run. Tests pass their own pause in.
public struct Pause: Sendable {
  private let body: @Sendable () -> Void

  /// A pause that runs `body`.
  public init(_ body: @escaping @Sendable () -> Void) {
    self.body = body
  }

  /// A pause that puts the calling thread to sleep, giving every other thread a turn.
  public static func sleep(microseconds: UInt32) -> Pause {
    Pause { usleep(microseconds) }
  }

  /// No pause at all.
  public static let none = Pause {}

  /// The guide's one millisecond.
  public static let guide = Pause.sleep(microseconds: 1_000)

  /// Pauses the calling thread.
  public func callAsFunction() {
    body()
  }
}
