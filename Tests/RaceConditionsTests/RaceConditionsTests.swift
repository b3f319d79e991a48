import Foundation
import RaceConditions
import RaceConditionsGiven
import Synchronization
import Testing
import WorkbookSupport
import WorkbookTestSupport

@Suite("Chapter 3 · Race conditions", .timeline)
struct RaceConditionsTests {
  // R03.1, R03.7
  @Test("4 to 10 threads × 20 to 100 deposit-and-withdraw pairs leave the balance where it started")
  func depositWithdrawPairsKeepTheBalance() throws {
    var random = WorkbookRandom()
    let threads = random.int(in: 4...10)
    let pairs = random.int(in: 20...100)
    let amounts = (0..<threads).map { _ in (0..<pairs).map { _ in random.int(in: 1...50) } }
    let start = random.int(in: 0...2_000)
    // A lost deposit and a lost withdrawal can cancel out and leave the right balance, so the
    // probe also counts the threads that are between a read and a write at the same time.
    let probe = PauseProbe()
    let account = SafeBankAccount(balance: start, pause: probe.pause)
    let refusals = Atomic(0)

    let finished = runOnTestThreadsTogether(threads) { index in
      for amount in amounts[index] {
        account.deposit(amount)
        do {
          try account.withdraw(amount)
        } catch {
          refusals.add(1, ordering: .sequentiallyConsistent)
        }
      }
    }

    // `#require` ends the test here after a hang: the stuck threads still hold their locks,
    // so reading the state below would hang the test process as well.
    try #require(finished, "the threads did not finish: does a method wait for a lock it never gets?")
    let balance = account.balance
    #expect(
      balance == start,
      "\(threads) threads × \(pairs) deposits and withdrawals from \(start): the balance ended at \(balance)")
    let refused = refusals.load(ordering: .sequentiallyConsistent)
    #expect(refused == 0, "\(refused) withdrawals were refused right after their own deposit")
    #expect(
      probe.maximumInside == 1, "\(probe.maximumInside) threads were between a read and a write at once")
    #expect(
      probe.entries == 2 * threads * pairs,
      "\(2 * threads * pairs) deposits and withdrawals paused \(probe.entries) times: keep one pause per change"
    )
  }

  // R03.2, R03.4, R03.5
  @Test("concurrent withdrawals succeed exactly balance ÷ amount times and never overdraw")
  func withdrawalsNeverOverdraw() throws {
    var random = WorkbookRandom()
    let threads = random.int(in: 4...8)
    let amount = random.int(in: 5...50)
    let affordable = random.int(in: 10...40)
    // Never 0, so a refusal that changes the balance shows in it.
    let remainder = random.int(in: 1...(amount - 1))
    let start = affordable * amount + remainder
    // Every thread tries enough times that the threads together ask for more than is there.
    let attempts = affordable / threads + random.int(in: 2...5)
    let account = SafeBankAccount(balance: start, pause: .raceWindow)
    let successes = Atomic(0)
    let refusals = Mutex([InsufficientFunds]())

    let finished = runOnTestThreadsTogether(threads) { _ in
      for _ in 0..<attempts {
        do throws(InsufficientFunds) {
          try account.withdraw(amount)
          successes.add(1, ordering: .sequentiallyConsistent)
        } catch {
          refusals.withLock { $0.append(error) }
        }
      }
    }

    try #require(finished, "the threads did not finish: does withdraw wait for a lock it never gets?")
    let succeeded = successes.load(ordering: .sequentiallyConsistent)
    #expect(
      succeeded == affordable,
      "\(start) affords \(affordable) withdrawals of \(amount), yet \(succeeded) succeeded")
    let balance = account.balance
    #expect(
      balance == remainder,
      "\(affordable) withdrawals of \(amount) from \(start) must leave \(remainder), not \(balance)")
    let refused = refusals.withLock { $0 }
    #expect(refused.count == threads * attempts - succeeded, "every attempt either succeeds or throws")
    let wrong = refused.filter { $0 != InsufficientFunds(balance: remainder, amount: amount) }
    #expect(
      wrong.isEmpty,
      "a refusal must report the balance it saw, \(remainder), and the amount, \(amount): \(wrong.prefix(3))")
  }

  // R03.2, R03.3
  @Test("threads racing for the last affordable withdrawals never overdraw, round after round")
  func lastWithdrawalsNeverOverdraw() throws {
    var random = WorkbookRandom()
    for round in 1...random.int(in: 10...14) {
      let affordable = random.int(in: 1...2)
      let threads = affordable + random.int(in: 2...4)
      let amount = random.int(in: 5...50)
      // The first round leaves nothing: its last affordable withdrawal takes the whole balance.
      let remainder = round == 1 ? 0 : random.int(in: 0...(amount - 1))
      let start = affordable * amount + remainder
      // A withdrawal that checks under one lock and subtracts under another lets a crowd of
      // threads into its pause together; this pause holds each of them there until the crowd
      // is complete, so every one of them has passed the check before any subtracts.
      let crowding = CrowdingPause(crowd: affordable + 1)
      let account = SafeBankAccount(balance: start, pause: crowding.pause)
      let successes = Atomic(0)

      let finished = runOnTestThreadsTogether(threads) { _ in
        do throws(InsufficientFunds) {
          try account.withdraw(amount)
          successes.add(1, ordering: .sequentiallyConsistent)
        } catch {}
      }

      try #require(
        finished,
        "round \(round): the withdrawals did not finish: does withdraw wait for a lock it never gets?")
      let succeeded = successes.load(ordering: .sequentiallyConsistent)
      let balance = account.balance
      try #require(
        succeeded == affordable && balance == remainder,
        "round \(round): \(threads) threads withdrew \(amount) from \(start), which affords \(affordable): \(succeeded) succeeded and \(balance) is left. Are the check and the subtraction under one lock?"
      )
    }
  }

  // R03.6, R03.7, R03.12
  @Test("balance and totalBalance wait for a change that is halfway done, then read its result")
  func readsWaitForChanges() throws {
    var random = WorkbookRandom()
    let starts = [random.int(in: 0...1_000)]
    let amount = random.int(in: 1...100)
    let halfway = HalfwayPause()
    let accounts = starts.map { SafeBankAccount(balance: $0, pause: halfway.pause) }

    let depositing = BackgroundCall { accounts[0].deposit(amount) }
    try #require(halfway.waitUntilInside(), "deposit(_:) never paused between its read and its write")
    let reading = BackgroundCall { accounts[0].balance }
    let readWaits = reading.watchWhileWaiting()
    halfway.letGo()
    let read = try #require(reading.result(), "balance never returned after the deposit finished").get()
    #expect(depositing.result() != nil, "deposit(_:) never returned")
    #expect(
      readWaits == .blocked && read == starts[0] + amount,
      "balance read \(read) while a deposit of \(amount) to \(starts[0]) was halfway done, and \(readWaits): read it under the account's lock"
    )

    // The audit: it waits for the deposit to `second`, while a transfer from `first` to `third`
    // comes in. Holding every lock at once, it keeps `first` locked, so the transfer waits; one
    // lock at a time, it has read `first` before the transfer and reads `third` after it.
    let (first, second, third) = (
      SafeBankAccount(balance: random.int(in: 100...500), pause: .none), accounts[0],
      SafeBankAccount(balance: random.int(in: 0...500), pause: .none)
    )
    let moved = random.int(in: 1...100)
    let before = [first, second, third].map(\.balance).reduce(0, +)
    let secondDeposit = random.int(in: 1...100)
    let depositingAgain = BackgroundCall { second.deposit(secondDeposit) }
    try #require(halfway.waitUntilInside(), "deposit(_:) never paused between its read and its write")
    let auditing = BackgroundCall { SafeBankAccount.totalBalance(of: [first, second, third]) }
    let auditWaits = auditing.watchWhileWaiting()
    let transferring = BackgroundCall { try first.transfer(moved, to: third) }
    _ = transferring.watchWhileWaiting()
    halfway.letGo()
    let audited = try #require(auditing.result(), "totalBalance never returned after the deposit finished")
      .get()
    #expect(depositingAgain.result() != nil, "deposit(_:) never returned")
    #expect(transferring.result() != nil, "transfer(_:to:) never returned after the audit")
    #expect(
      auditWaits == .blocked && audited == before + secondDeposit,
      "totalBalance found \(audited), not \(before + secondDeposit), while a deposit was halfway done and a transfer came in, and \(auditWaits): hold every account's lock at once while you add up"
    )
  }

  // R03.10, R03.11
  @Test("random transfers among several accounts from many threads keep every balance exact")
  func transfersKeepEveryBalance() throws {
    var random = WorkbookRandom()
    let accountCount = random.int(in: 3...6)
    let threads = random.int(in: 3...8)
    let starts = (0..<accountCount).map { _ in random.int(in: 0...300) }
    var planned = (0..<threads).map { _ in
      (0..<random.int(in: 20...50)).map { _ in
        Transfer(
          from: random.int(in: 0...(accountCount - 1)), to: random.int(in: 0...(accountCount - 1)),
          amount: random.int(in: 1...120))
      }
    }
    // Every run has a transfer to the same account and one of more money than the whole bank
    // holds, which must be refused; the random plans have them only most of the time.
    let (source, other) = (random.int(in: 0...(accountCount - 1)), random.int(in: 1...(accountCount - 1)))
    planned[0].insert(Transfer(from: source, to: source, amount: random.int(in: 1...120)), at: 0)
    planned[0].insert(
      Transfer(from: source, to: (source + other) % accountCount, amount: starts.reduce(1, +)), at: 1)
    let plans = planned
    let accounts = starts.map { SafeBankAccount(balance: $0, pause: .raceWindow) }
    let ledger = Ledger(accounts: accountCount)

    let finished = runOnTestThreadsTogether(threads) { index in
      for transfer in plans[index] {
        ledger.make(transfer, between: accounts)
      }
    }

    try #require(
      finished, "the transfers did not finish: two threads locking two accounts in opposite order deadlock")
    let balances = accounts.map(\.balance)
    let expected = zip(starts, ledger.netChanges).map { $0 + $1 }
    #expect(balances == expected, "after the successful transfers, the balances should be \(expected)")
    #expect(balances.reduce(0, +) == starts.reduce(0, +), "money appeared or vanished")
    #expect(balances.allSatisfy { $0 >= 0 }, "an account went below zero: \(balances)")
    let refusals = ledger.refusals
    let wrong = refusals.filter { !($0.balance >= 0 && $0.balance < $0.amount) }
    #expect(
      wrong.isEmpty, "a refused transfer must report a balance smaller than the amount: \(wrong.prefix(3))")
    #expect(
      refusals.contains { $0.amount == starts.reduce(1, +) },
      "a transfer of \(starts.reduce(1, +)), more than all the accounts hold, was not refused")
  }

  // R03.8
  @Test("a transfer halfway done holds both accounts: a read of the destination waits, then sees the money")
  func transferHoldsBothLocks() throws {
    var random = WorkbookRandom()
    let halfway = HalfwayPause()
    let amount = random.int(in: 1...100)
    let (sourceStart, destinationStart) = (random.int(in: 100...500), random.int(in: 0...500))
    // Either account may have the smaller id: which one is locked first must not matter here.
    let destinationFirst = random.int(in: 0...1) == 1
    let early: SafeBankAccount? =
      destinationFirst ? SafeBankAccount(balance: destinationStart, pause: .none) : nil
    let source = SafeBankAccount(balance: sourceStart, pause: halfway.pause)
    let destination = early ?? SafeBankAccount(balance: destinationStart, pause: .none)

    let transferring = BackgroundCall { try source.transfer(amount, to: destination) }
    try #require(halfway.waitUntilInside(), "transfer(_:to:) never paused between its reads and its writes")
    let reading = BackgroundCall { destination.balance }
    let readWaits = reading.watchWhileWaiting()
    halfway.letGo()
    let read = try #require(reading.result(), "balance never returned after the transfer finished").get()
    try #require(transferring.result(), "transfer(_:to:) never returned").get()
    #expect(
      readWaits == .blocked && read == destinationStart + amount,
      "the destination's balance read \(read) while a transfer of \(amount) into it was halfway done, and \(readWaits): hold both accounts' locks from the check to the last write"
    )
    let balances = [source.balance, destination.balance]
    #expect(
      balances == [sourceStart - amount, destinationStart + amount],
      "a transfer of \(amount) from \(sourceStart) to \(destinationStart) left \(balances)")
  }

  // R03.9
  @Test("a transfer waits for the smaller id's lock first, holding none, whichever way the money goes")
  func transfersLockInIDOrder() throws {
    var random = WorkbookRandom()
    for towardsSmaller in [true, false] {
      let held = try SmallerAccountHeld(random: &random)
      let amount = random.int(in: 1...50)
      let (source, destination) = towardsSmaller ? (held.larger, held.smaller) : (held.smaller, held.larger)
      let direction =
        towardsSmaller ? "to the smaller id from the larger" : "from the smaller id to the larger"

      let transferring = BackgroundCall { try source.transfer(amount, to: destination) }
      let (transferWaits, largerRead) = held.watch(transferring)
      try #require(transferring.result(), "a transfer \(direction) never returned").get()
      #expect(
        transferWaits == .blocked,
        "a transfer \(direction) \(transferWaits) while the smaller id's account was locked: it must wait for that lock"
      )
      #expect(
        largerRead != .blocked,
        "while a transfer \(direction) waited for the smaller id's account, it held the larger id's: lock the smaller id first, whichever way the money goes"
      )
      let change = towardsSmaller ? amount : -amount
      let balances = [held.smaller.balance, held.larger.balance]
      let expected = [held.starts.smaller + held.deposit + change, held.starts.larger - change]
      #expect(
        balances == expected,
        "after a deposit and a transfer \(direction), the balances should be \(expected)")
    }
  }

  // R03.13
  @Test("totalBalance waits for the smaller id's lock first, holding none, however the list is ordered")
  func totalLocksInIDOrder() throws {
    var random = WorkbookRandom()
    let held = try SmallerAccountHeld(random: &random)
    let (smaller, larger) = (held.smaller, held.larger)

    let auditing = BackgroundCall { SafeBankAccount.totalBalance(of: [larger, smaller]) }
    let (auditWaits, largerRead) = held.watch(auditing)
    let total = try #require(auditing.result(), "totalBalance never returned").get()
    #expect(
      auditWaits == .blocked,
      "totalBalance \(auditWaits) while one of its accounts was locked: hold every account's lock while you add up"
    )
    #expect(
      largerRead != .blocked,
      "while totalBalance waited for the smaller id's account, it held the larger id's, listed first: lock in id order, not in the list's"
    )
    let expected = held.starts.smaller + held.deposit + held.starts.larger
    #expect(total == expected, "the total after the deposit should be \(expected), not \(total)")
  }

  // R03.8, R03.9
  @Test("threads transferring in opposite directions between two accounts never deadlock and lose nothing")
  func oppositeTransfersNeverDeadlock() throws {
    var random = WorkbookRandom()
    let pairsOfThreads = random.int(in: 1...4)
    let starts = [random.int(in: 100...500), random.int(in: 100...500)]
    let plans = (0..<(2 * pairsOfThreads)).map { index in
      // Even threads move money from the first account to the second, odd ones back.
      (0..<random.int(in: 30...60)).map { _ in
        Transfer(from: index % 2, to: 1 - index % 2, amount: random.int(in: 1...40))
      }
    }
    // Both accounts share one probe: a transfer holds both locks, so only one transfer between
    // the two accounts may be inside its pause at any time. The first transfer inside waits there
    // for a second: with both cores busy, threads that take no lock ran one after another in 1
    // run of 50, and got through without ever being inside together.
    let probe = PauseProbe(firstWaitsForSecond: .milliseconds(250))
    let accounts = starts.map { SafeBankAccount(balance: $0, pause: probe.pause) }
    let ledger = Ledger(accounts: 2)

    let finished = runOnTestThreadsTogether(plans.count) { index in
      for transfer in plans[index] {
        ledger.make(transfer, between: accounts)
      }
    }

    try #require(
      finished,
      "opposite transfers deadlocked: each thread held one account's lock and waited for the other's")
    let balances = accounts.map(\.balance)
    let expected = zip(starts, ledger.netChanges).map { $0 + $1 }
    #expect(balances == expected, "after the successful transfers, the balances should be \(expected)")
    #expect(balances.allSatisfy { $0 >= 0 }, "an account went below zero: \(balances)")
    #expect(
      probe.maximumInside == 1,
      "\(probe.maximumInside) transfers between the same two accounts were halfway done at once")
  }

  // R03.12, R03.13, R03.14
  @Test("a total taken while transfers run always finds all the money")
  func totalsDuringTransfersAreExact() throws {
    var random = WorkbookRandom()
    let accountCount = random.int(in: 3...6)
    let transferThreads = random.int(in: 2...6)
    let auditors = 2
    let starts = (0..<accountCount).map { _ in random.int(in: 50...300) }
    let total = starts.reduce(0, +)
    let plans = (0..<transferThreads).map { _ in
      (0..<random.int(in: 30...60)).map { _ in
        Transfer(
          from: random.int(in: 0...(accountCount - 1)), to: random.int(in: 0...(accountCount - 1)),
          amount: random.int(in: 1...80))
      }
    }
    let accounts = starts.map { SafeBankAccount(balance: $0, pause: .raceWindow) }
    // The auditors list the accounts out of id order, and one of them twice.
    var auditList = accounts.shuffled(using: &random)
    auditList.append(auditList[random.int(in: 0...(accountCount - 1))])
    let audited = auditList
    let transfersLeft = Atomic(transferThreads)
    let wrongTotals = Mutex([Int]())
    let audits = Atomic(0)

    let finished = runOnTestThreadsTogether(transferThreads + auditors) { index in
      if index < transferThreads {
        for transfer in plans[index] {
          try? accounts[transfer.from].transfer(transfer.amount, to: accounts[transfer.to])
        }
        transfersLeft.subtract(1, ordering: .sequentiallyConsistent)
      } else {
        repeat {
          let seen = SafeBankAccount.totalBalance(of: audited)
          audits.add(1, ordering: .sequentiallyConsistent)
          if seen != total { wrongTotals.withLock { $0.append(seen) } }
          // Between audits the locks are left to the transfers, so audits can't starve them.
          usleep(100)
        } while transfersLeft.load(ordering: .sequentiallyConsistent) > 0
      }
    }

    try #require(
      finished, "the transfers and audits did not finish: do they take the locks in different orders?")
    let wrong = wrongTotals.withLock { $0 }
    let count = audits.load(ordering: .sequentiallyConsistent)
    #expect(wrong.isEmpty, "\(wrong.count) of \(count) audits did not find \(total): \(wrong.prefix(5))")
    let final = SafeBankAccount.totalBalance(of: audited)
    #expect(final == total, "after the transfers the accounts hold \(final), not \(total)")
  }
}

// MARK: - Fixtures

/// A pause that keeps each thread inside until `crowd` threads are inside at once, or a patience runs out.
///
/// Under one lock only one thread is ever inside, and each waits out the patience; without it the
/// crowd gathers at once. How long the patience is decides nothing for correct code.
// `@unchecked Sendable`: every stored var is read and written only while `condition` is locked.
private final class CrowdingPause: @unchecked Sendable {
  private let crowd: Int
  private let condition = NSCondition()
  private var inside = 0
  private var isComplete = false

  init(crowd: Int) {
    self.crowd = crowd
  }

  var pause: Pause {
    Pause { [self] in
      condition.lock()
      defer { condition.unlock() }
      inside += 1
      if inside >= crowd {
        isComplete = true
        condition.broadcast()
      }
      let limit = Date(timeIntervalSinceNow: 0.04)
      while !isComplete && condition.wait(until: limit) {}
      inside -= 1
    }
  }
}

/// Two accounts, and a deposit halfway done that holds the lock of the one with the smaller id.
///
/// Code that takes its locks in id order waits for that lock first and holds nothing meanwhile,
/// so the other account stays free to read; code that locks the other account first holds it
/// while it waits, and a read of it waits too. The test counts nothing by the clock: it watches
/// the waiting threads sleep.
private struct SmallerAccountHeld {
  let smaller: SafeBankAccount
  let larger: SafeBankAccount
  let starts: (smaller: Int, larger: Int)
  /// What the deposit that holds the smaller account adds once it is let go.
  let deposit: Int
  private let halfway = HalfwayPause()
  private let depositing: BackgroundCall<Void>

  init(random: inout WorkbookRandom) throws {
    starts = (random.int(in: 100...500), random.int(in: 100...500))
    // Made first, so its id is the smaller.
    smaller = SafeBankAccount(balance: starts.smaller, pause: halfway.pause)
    larger = SafeBankAccount(balance: starts.larger, pause: .none)
    deposit = random.int(in: 1...100)
    let (account, amount) = (smaller, deposit)
    depositing = BackgroundCall { account.deposit(amount) }
    try #require(halfway.waitUntilInside(), "deposit(_:) never paused between its read and its write")
  }

  /// How `call` waits while the smaller account is held, and how a read of the larger one fares meanwhile; then lets the deposit go.
  func watch<Value: Sendable>(_ call: BackgroundCall<Value>) -> (
    call: WaitingBehaviour, largerRead: WaitingBehaviour
  ) {
    let callWaits = call.watchWhileWaiting()
    let account = larger
    let reading = BackgroundCall { account.balance }
    let readWaits = reading.watchWhileWaiting()
    // Twice: a transfer from the smaller account pauses in it too, once the deposit is done.
    halfway.letGo()
    halfway.letGo()
    _ = depositing.result()
    _ = reading.result()
    return (callWaits, readWaits)
  }
}

/// One planned transfer between accounts named by their index.
private struct Transfer: Sendable {
  let from: Int
  let to: Int
  let amount: Int
}

/// The test's own record of which transfers went through, to compute the balances they imply.
private final class Ledger: Sendable {
  private let changes: Mutex<[Int]>
  private let refused = Mutex([InsufficientFunds]())

  init(accounts: Int) {
    changes = Mutex(Array(repeating: 0, count: accounts))
  }

  /// Makes `transfer` between `accounts` and books it if it went through, or keeps its error.
  func make(_ transfer: Transfer, between accounts: [SafeBankAccount]) {
    do throws(InsufficientFunds) {
      try accounts[transfer.from].transfer(transfer.amount, to: accounts[transfer.to])
      changes.withLock { changes in
        changes[transfer.from] -= transfer.amount
        changes[transfer.to] += transfer.amount
      }
    } catch {
      refused.withLock { $0.append(error) }
    }
  }

  /// How much each account gained (or lost) through the transfers that went through.
  var netChanges: [Int] { changes.withLock { $0 } }

  /// The errors of the transfers that were refused.
  var refusals: [InsufficientFunds] { refused.withLock { $0 } }
}
