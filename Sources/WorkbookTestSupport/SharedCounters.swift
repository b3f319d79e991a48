import Synchronization

/// A count that test threads and tasks share, such as how many calls have returned.
public final class Tally: Sendable {
  private let count = Atomic(0)

  public init() {}

  /// Adds one and returns the new count.
  @discardableResult
  public func add() -> Int { count.add(1, ordering: .sequentiallyConsistent).newValue }

  /// The count now.
  public var value: Int { count.load(ordering: .sequentiallyConsistent) }
}

/// A flag one thread sets and others read, such as "the body has finished".
public final class Flag: Sendable {
  private let value = Atomic(false)

  public init() {}

  /// Whether `set()` has been called.
  public var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }

  public func set() { value.store(true, ordering: .sequentiallyConsistent) }
}
