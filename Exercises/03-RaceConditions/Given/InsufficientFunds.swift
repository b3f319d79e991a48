// Given: the chapter hands you this code as the module `RaceConditionsGiven`, which your exercise
// and the tests import. You need not change it.

/// The error a withdrawal or a transfer throws instead of taking an account below zero.
public struct InsufficientFunds: Error, Equatable, Sendable {
  /// The balance the account had when it refused.
  public let balance: Int

  /// The amount that was asked for.
  public let amount: Int

  /// An error for a request of `amount` from an account that held only `balance`.
  public init(balance: Int, amount: Int) {
    self.balance = balance
    self.amount = amount
  }
}
