import Foundation
import RaceConditionsGiven
import Synchronization
import WorkbookSupport

/// A bank account that stays correct while many threads use it at once.
///
/// It starts as the guide's racy account with more to do. Make every method safe to call from
/// any thread:
/// - `deposit(_:)` and `withdraw(_:)` never lose an update.
/// - `withdraw(_:)` never overdraws: when the balance is smaller than the amount, it throws
///   `InsufficientFunds` and changes nothing.
/// - `transfer(_:to:)` moves money as one step, with both accounts locked, refuses like
///   `withdraw(_:)`, and never deadlocks, even while another thread transfers the other way.
///   A transfer to the account itself changes nothing.
/// - `totalBalance(of:)` sums the accounts as one snapshot, taken while no transfer is halfway
///   done. An account listed more than once counts once.
///
/// Each method that changes a balance pauses once between reading and writing it.
///
/// Lesson: README.md, sections "Check, then act, under one lock" and "Two locks without deadlock".
// TODO: `@unchecked Sendable` promises the compiler that this class guards its own state, and
// nothing does yet. Give each account a lock and keep the promise: read and write
// `storedBalance` only while holding its account's lock.
public final class SafeBankAccount: @unchecked Sendable {
  private static let nextID = Atomic<Int>(0)

  /// A number no other account has, fixed for the account's whole life.
  public let id: Int

  private let pause: Pause
  private var storedBalance: Int

  /// An account that holds `balance` and pauses for `pause` inside every change.
  public init(balance: Int = 0, pause: Pause = .guide) {
    id = Self.nextID.add(1, ordering: .relaxed).newValue
    self.pause = pause
    storedBalance = balance
  }

  /// The current balance.
  public var balance: Int {
    // TODO: read the balance under the lock.
    storedBalance
  }

  /// Adds `amount` to the balance.
  public func deposit(_ amount: Int) {
    // TODO: nothing may touch the balance between this read and this write.
    let current = storedBalance
    pause()
    storedBalance = current + amount
  }

  /// Takes `amount` from the balance, or throws `InsufficientFunds` if the balance is smaller.
  public func withdraw(_ amount: Int) throws(InsufficientFunds) {
    // TODO: the check is right only while nobody else can change the balance before the write.
    let current = storedBalance
    guard current >= amount else {
      throw InsufficientFunds(balance: current, amount: amount)
    }
    pause()
    storedBalance = current - amount
  }

  /// Moves `amount` from this account to `destination` as one step, or throws if short of funds.
  public func transfer(_ amount: Int, to destination: SafeBankAccount) throws(InsufficientFunds) {
    // A transfer to itself moves nothing; once you add locks it must also not lock twice.
    guard destination !== self else { return }
    // TODO: hold both accounts' locks from the check to the last write. Two threads that
    // transfer in opposite directions must take the two locks in the same order.
    let source = storedBalance
    guard source >= amount else {
      throw InsufficientFunds(balance: source, amount: amount)
    }
    let target = destination.storedBalance
    pause()
    storedBalance = source - amount
    destination.storedBalance = target + amount
  }

  /// The sum of the balances of `accounts`, taken as one snapshot.
  public static func totalBalance(of accounts: [SafeBankAccount]) -> Int {
    // TODO: hold the lock of every account at once while you add up, taken in the same order
    // as `transfer(_:to:)` takes them, and lock each account only once.
    accounts.reduce(0) { total, account in total + account.storedBalance }
  }
}
