import Foundation

/// A value that test threads share, guarded by an `NSLock` so ThreadSanitizer sees the locking.
///
/// `Mutex` is the idiom the course teaches, but the sanitizer cannot see inside it (the standard
/// library is not instrumented), so a test that records results from several threads through a
/// `Mutex` gets reported as racy under `--sanitize=thread`. Tests record through this instead.
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
