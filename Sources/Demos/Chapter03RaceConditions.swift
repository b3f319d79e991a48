import Foundation
import Synchronization
import WorkbookCore

extension Demo {
  /// Chapter 3: the guide's bank account, racy and then safe.
  static let raceConditions = Demo(
    number: "03", title: "Race conditions",
    summary: "ten threads of deposits and withdrawals: the racy account loses changes, the locked one none",
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

/// The guide's `SafeBankAccount`: the same steps, each change under the account's lock.
// `@unchecked Sendable`: `storedBalance` is read and written only while `lock` is held.
private final class SafeAccount: @unchecked Sendable {
  private let lock = NSLock()
  private var storedBalance: Int
  let overwrites = Atomic(0)

  init(balance: Int) { storedBalance = balance }

  var balance: Int { lock.withLock { storedBalance } }

  func deposit(_ amount: Int) { change(by: amount) }

  func withdraw(_ amount: Int) { change(by: -amount) }

  private func change(by amount: Int) {
    lock.withLock {
      let current = storedBalance
      usleep(1_000)
      // Nobody else can change the balance while this thread holds the lock: never counts.
      if storedBalance != current { overwrites.add(1, ordering: .relaxed) }
      storedBalance = current + amount
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

  let safeAccount = SafeAccount(balance: 1_000)
  let ((), elapsed) = timed {
    runOnThreads(10) { _ in
      for _ in 0..<100 {
        safeAccount.deposit(10)
        safeAccount.withdraw(10)
      }
    }
  }
  print("Final safe balance should be 1000, actual balance: \(safeAccount.balance)")
  print("  \(safeAccount.overwrites.load(ordering: .relaxed)) of the 2000 changes wrote over another's.")
  print()
  print("The racy balance can still come out right: lost deposits and lost withdrawals cancel out.")
  print("A race can hide behind a right answer; only the lock makes it right every time.")
  print(
    "The safe run took \(elapsed.seconds): one change at a time, each holding the lock through its pause.")
}
