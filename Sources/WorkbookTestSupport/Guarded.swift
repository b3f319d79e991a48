import Foundation

/// A value that test threads share, behind a lock.
///
/// A class, unlike `Mutex`: the closures a test hands to its threads escape, and an escaping
/// closure can capture a reference but not a noncopyable `Mutex`. The lock inside is a plain
/// `NSLock`, which `--races` sees like any pthread mutex.
///
///     let seen = Guarded([Int]())
///     // on each thread:
///     seen.withLock { $0.append(index) }
// `@unchecked Sendable`: `value` is read and written only while `lock` is held.
public final class Guarded<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value

  /// A guarded `value`.
  public init(_ value: Value) {
    self.value = value
  }

  /// Runs `body` with the value while holding the lock, and returns what `body` returns.
  public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}
