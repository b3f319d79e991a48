// Mutant: totalBalance locks one account at a time (lesson: "Why a transfer is one step").
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
// `@unchecked Sendable` is now a promise kept: `storedBalance` is the only stored `var`, and
// every read and write of it happens while its account's `lock` is held. The compiler cannot
// see an `NSLock` guarding a `var`, so the promise stays unchecked.
public final class SafeBankAccount: @unchecked Sendable {
  private static let nextID = Atomic<Int>(0)

  /// A number no other account has, fixed for the account's whole life.
  public let id: Int

  private let pause: Pause
  private var storedBalance: Int
  private let lock = NSLock()

  /// An account that holds `balance` and pauses for `pause` inside every change.
  public init(balance: Int = 0, pause: Pause = .guide) {
    id = Self.nextID.add(1, ordering: .relaxed).newValue
    self.pause = pause
    storedBalance = balance
  }

  /// The current balance.
  public var balance: Int {
    // Under the lock, a reader waits for a writer in its pause and sees only finished updates.
    lock.withLock { storedBalance }
  }

  /// Adds `amount` to the balance.
  public func deposit(_ amount: Int) {
    // The read, the pause and the write are one critical section, so no deposit or withdrawal
    // of another thread can slip in between and be overwritten.
    lock.withLock {
      let current = storedBalance
      pause()
      storedBalance = current + amount
    }
  }

  /// Takes `amount` from the balance, or throws `InsufficientFunds` if the balance is smaller.
  public func withdraw(_ amount: Int) throws(InsufficientFunds) {
    // Check and act under the same lock: the balance that passed the check is still the
    // balance when the write happens, so two withdrawals cannot both spend the same money.
    lock.lock()
    defer { lock.unlock() }
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
    // Every thread locks the account with the smaller id first. A deadlock needs two threads
    // that each hold one lock and wait for the other's; with one global order, whoever holds
    // the first lock of a pair can always get the second. Both locks stay held from the check
    // to the last write, so no other thread sees the money gone from one side and not yet
    // arrived on the other.
    let (first, second) = id < destination.id ? (self, destination) : (destination, self)
    first.lock.lock()
    defer { first.lock.unlock() }
    second.lock.lock()
    defer { second.lock.unlock() }
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
    // Sorted by id like in `transfer(_:to:)`, so an audit and a transfer never wait for each
    // other in a circle; duplicates dropped, because an `NSLock` locked twice by the same
    // thread waits for itself forever.
    // The mutant: each balance read under its own lock, one after another: no snapshot.
    var seen = Set<Int>()
    let unique = accounts.filter { seen.insert($0.id).inserted }
    return unique.reduce(0) { total, account in total + account.balance }
  }
}
