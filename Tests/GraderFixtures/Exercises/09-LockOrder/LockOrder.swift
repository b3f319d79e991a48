import Foundation

/// Two accounts, each behind its own lock; a transfer locks its source first, then its destination.
///
/// Two transfers in opposite directions at once each hold one lock and wait for the other's: a deadlock.
// `@unchecked Sendable`: each balance is read and written only while its account's lock is held.
public final class Accounts: @unchecked Sendable {
  private let locks = [NSLock(), NSLock()]
  private var balances = [100, 100]

  public init() {}

  /// Moves `amount` from `source` to `destination`; `holdingSource` runs once the source is locked.
  public func transfer(_ amount: Int, from source: Int, to destination: Int, holdingSource: () -> Void) {
    locks[source].lock()
    holdingSource()
    locks[destination].lock()
    balances[source] -= amount
    balances[destination] += amount
    locks[destination].unlock()
    locks[source].unlock()
  }

  /// Both balances.
  public var total: Int {
    locks[0].withLock { locks[1].withLock { balances[0] + balances[1] } }
  }
}
