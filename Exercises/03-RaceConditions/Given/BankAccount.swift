// Given: the chapter hands you this code as the module `RaceConditionsGiven`, which your exercise
// and the tests import. You need not change it.

import Foundation
import WorkbookSupport

/// The guide's bank account, ported as it is: racy on purpose, so you can watch money vanish.
///
/// `deposit(_:)` and `withdraw(_:)` read the balance, pause, and write back, and nothing stops
/// another thread from doing the same in between. Used from several threads at once, the
/// account loses some updates and the balance drifts. This file is the example to study, not
/// the exercise: leave it as it is and write `SafeBankAccount` instead.
///
/// Lesson: README.md, section "The guide's racy account".
// `@unchecked Sendable` is a false promise here, made on purpose: without it Swift 6 refuses
// to let two threads share this class at all (the lesson shows the error), and the race could
// not be shown. No lock guards `balance`; that is the bug this chapter is about.
public final class BankAccount: @unchecked Sendable {
  private let pause: Pause

  /// The balance, read and written with no lock at all.
  public private(set) var balance: Int

  /// An account that holds `balance` and pauses for `pause` inside every update.
  public init(balance: Int = 0, pause: Pause = .guide) {
    self.balance = balance
    self.pause = pause
  }

  /// Adds `amount`: read, pause, write back. Racy.
  public func deposit(_ amount: Int) {
    let current = balance
    pause()
    balance = current + amount
  }

  /// Takes `amount` away: read, pause, write back. Racy, and it never checks for an overdraft.
  public func withdraw(_ amount: Int) {
    let current = balance
    pause()
    balance = current - amount
  }
}
