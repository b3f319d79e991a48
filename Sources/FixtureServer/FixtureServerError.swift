#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why the server could not start.
public struct FixtureServerError: Error, CustomStringConvertible, Equatable {
  /// The system call that failed, or what was wrong.
  public var operation: String
  /// The `errno` it left, 0 when there was none.
  public var code: Int32

  public var description: String {
    code == 0
      ? "fixture server: \(operation)"
      : "fixture server: \(operation) failed: \(String(cString: strerror(code)))"
  }
}
