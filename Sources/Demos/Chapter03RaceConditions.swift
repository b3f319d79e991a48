import Foundation
import Synchronization
import WorkbookCore

extension Demo {
  /// Chapter 3: the guide's racy bank account; the safe one is the exercise.
  static let raceConditions = Demo(
    number: "03", title: "Race conditions",
    summary: "ten threads of deposits and withdrawals: the racy account loses changes",
    run: runRaceConditions)
}

/// The guide's `BankAccount`: every change reads the balance, pauses, then writes.
///
/// It also counts the changes that wrote over another thread's change, made during the pause:
/// each of those lost an update.
// `@unchecked Sendable` is a false promise, made on purpose so that the race compiles and shows:
// `balance` is read and written by ten threads with no lock. Never write this outside a demo.
private final class RacyAccount: @unchecked Sendable {
  var balance: Int
  let overwrites = Atomic(0)
  let recorder = TraceRecorder.current

  init(balance: Int) { self.balance = balance }

  func deposit(_ amount: Int) { change(by: amount) }

  func withdraw(_ amount: Int) { change(by: -amount) }

  private func change(by amount: Int) {
    traced("between read and write", by: recorder) {
      let current = balance
      usleep(1_000)  // the guide's time.sleep(0.001)
      if balance != current { overwrites.add(1, ordering: .relaxed) }
      balance = current + amount
    }
  }
}

private func runRaceConditions() {
  oneAtATime(TraceRecorder.current)
  let account = RacyAccount(balance: 1_000)
  runOnThreads(10) { _ in
    for _ in 0..<100 {
      account.deposit(10)
      account.withdraw(10)
    }
  }
  print("Final balance should be 1000, actual balance: \(account.balance)")
  let lost = account.overwrites.load(ordering: .relaxed)
  print("  \(lost) of the 2000 changes wrote over another thread's change: each of those lost an update.")
  print()
  print("The racy balance can still come out right: lost deposits and lost withdrawals cancel out.")
  print("A race can hide behind a right answer; only a lock makes it right every time.")
  print("The account that loses nothing, never overdraws and transfers without deadlock is chapter 3's")
  print("exercise: Exercises/03-RaceConditions/SafeBankAccount.swift, then ./grader 03.")
}
