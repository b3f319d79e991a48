import CounterLocking
import Foundation
import Synchronization
import Testing
import WorkbookSupport
import WorkbookTestSupport

@Suite("Chapter 2 · Counter locking", .timeline)
struct CounterLockingTests {
  // R02.1, R02.4
  @Test("the guide's run: two threads × 100 increments with its 1 ms pause add exactly 200")
  func guideRun() throws {
    var random = WorkbookRandom()
    // Never 0: a counter that ignores its initial value must be off by `start`.
    let start = random.int(in: 1...1_000) * random.pick([-1, 1])
    let counter = Counter(start)

    let finished = runOnTestThreadsTogether(2) { _ in
      for _ in 0..<100 { counter.increment() }
    }

    // `#require` ends the test here after a hang: the stuck threads still hold their locks,
    // so reading the state below would hang the test process as well.
    try #require(finished, "the threads did not finish: does increment() wait for a lock it never gets?")
    let value = counter.value
    #expect(
      value == start + 200, "started at \(start), expected \(start + 200), got \(value): updates were lost")
  }

  // R02.1, R02.4
  @Test("3 to 8 threads × 20 to 50 increments each lose no update")
  func incrementsLoseNoUpdate() throws {
    var random = WorkbookRandom()
    let threads = random.int(in: 3...8)
    let increments = random.int(in: 20...50)
    let start = random.int(in: 1...1_000)
    let counter = Counter(start, pause: .raceWindow)

    let finished = runOnTestThreadsTogether(threads) { _ in
      for _ in 0..<increments { counter.increment() }
    }

    try #require(finished, "the threads did not finish: does increment() wait for a lock it never gets?")
    let expected = start + threads * increments
    let value = counter.value
    #expect(
      value == expected,
      "\(threads) threads × \(increments) increments from \(start): expected \(expected), got \(value)")
  }

  // R02.1, R02.6
  @Test("increment(by:) with random amounts from many threads adds up to their exact sum")
  func randomAmountsAddUp() throws {
    var random = WorkbookRandom()
    let threads = random.int(in: 3...8)
    let amounts = (0..<threads).map { _ in
      (0..<random.int(in: 20...40)).map { _ in random.int(in: -50...100) }
    }
    let start = random.int(in: -1_000...1_000)
    let counter = Counter(start, pause: .raceWindow)
    // One negative amount first, on its own: a sum of random amounts could match a wrong answer
    // (one that adds 1, or the amount's size) by chance, this step never does.
    let negative = random.int(in: -50...(-2))
    counter.increment(by: negative)
    let afterOne = counter.value
    try #require(
      afterOne == start + negative,
      "a counter at \(start) read \(afterOne) after increment(by: \(negative)), not \(start + negative)")

    let finished = runOnTestThreadsTogether(threads) { index in
      for amount in amounts[index] { counter.increment(by: amount) }
    }

    try #require(finished, "the threads did not finish: does increment(by:) wait for a lock it never gets?")
    let expected = start + negative + amounts.joined().reduce(0, +)
    let value = counter.value
    #expect(value == expected, "\(threads) threads added random amounts: expected \(expected), got \(value)")
  }

  // R02.1, R02.3
  @Test("no two threads are ever between the read and the write at the same time")
  func oneThreadInsideAtATime() throws {
    var random = WorkbookRandom()
    let threads = random.int(in: 3...8)
    let increments = random.int(in: 20...40)
    let probe = PauseProbe()
    let counter = Counter(pause: probe.pause)

    let finished = runOnTestThreadsTogether(threads) { _ in
      for _ in 0..<increments { counter.increment() }
    }

    try #require(finished, "the threads did not finish: does increment() wait for a lock it never gets?")
    #expect(probe.maximumInside == 1, "\(probe.maximumInside) threads were inside the pause at once")
    #expect(
      probe.entries == threads * increments,
      "\(threads * increments) increments paused \(probe.entries) times: keep one pause per increment")
  }

  // R02.2, R02.3
  @Test("value waits for an increment that is halfway done, then reads its result")
  func valueWaitsForAnIncrement() throws {
    var random = WorkbookRandom()
    let start = random.int(in: 0...1_000)
    let amount = random.int(in: 1...100)
    let halfway = HalfwayPause()
    let counter = Counter(start, pause: halfway.pause)

    let adding = BackgroundCall { counter.increment(by: amount) }
    try #require(halfway.waitUntilInside(), "increment(by:) never paused between its read and its write")
    let reading = BackgroundCall { counter.value }
    let waits = reading.watchWhileWaiting()
    halfway.letGo()
    let read = try #require(reading.result(), "value never returned after the increment finished").get()
    #expect(adding.result() != nil, "increment(by:) never returned")
    #expect(
      waits == .blocked && read == start + amount,
      "value read \(read) while an increment of \(amount) to \(start) was halfway done, and \(waits): read it under the lock"
    )
  }

  // R02.1
  @Test("a reader running beside the writers never sees the count go down")
  func readersSeeTheCountOnlyRise() throws {
    var random = WorkbookRandom()
    let writers = random.int(in: 3...6)
    let readers = 2
    let amounts = (0..<writers).map { _ in
      (0..<random.int(in: 30...50)).map { _ in random.int(in: 1...9) }
    }
    let counter = Counter(pause: .raceWindow)
    let writersLeft = Atomic(writers)
    let drops = Mutex([String]())

    let finished = runOnTestThreadsTogether(writers + readers) { index in
      if index < writers {
        for amount in amounts[index] { counter.increment(by: amount) }
        writersLeft.subtract(1, ordering: .sequentiallyConsistent)
      } else {
        var last = counter.value
        while writersLeft.load(ordering: .sequentiallyConsistent) > 0 {
          let now = counter.value
          if now < last { drops.withLock { $0.append("\(last) → \(now)") } }
          last = max(last, now)
          usleep(5)
        }
      }
    }

    try #require(finished, "the threads did not finish: does increment(by:) wait for a lock it never gets?")
    let seen = drops.withLock { $0 }
    #expect(seen.isEmpty, "the count went down while only positive amounts were added: \(seen.prefix(5))")
    let expected = amounts.joined().reduce(0, +)
    #expect(counter.value == expected, "expected the sum \(expected), got \(counter.value)")
  }
}
