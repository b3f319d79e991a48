import Foundation
import Synchronization
import Testing
import Threads
import WorkbookCore
import WorkbookTestSupport

@Suite("Chapter 1 · Threads and join", .timeline)
struct ThreadsTests {
  // R01.1
  @Test("join() returns only after the thread's body has finished")
  func joinWaitsForTheBody() {
    let gate = DispatchSemaphore(value: 0)
    let bodyFinished = Flag()
    let thread = JoinableThread {
      gate.wait()
      bodyFinished.set()
    }
    thread.start()
    let joiners = Joiners(of: thread, count: 1, bodyFinished: bodyFinished)

    let returnedEarly = joiners.anyReturnedBeforeTheGateOpens()
    #expect(!returnedEarly, "join() returned while the body was still blocked")
    gate.signal()
    #expect(joiners.allReturn(), "join() never returned after the body finished")
    let unfinished = joiners.sawUnfinishedBody
    #expect(unfinished == 0, "join() returned before the body had finished")
  }

  // R01.2, R01.3
  @Test("every caller of join() waits, and a join() after the body finished returns")
  func everyJoinerWaits() {
    var random = WorkbookRandom()
    let joinerCount = random.int(in: 2...5)
    let gate = DispatchSemaphore(value: 0)
    let bodyFinished = Flag()
    let thread = JoinableThread {
      gate.wait()
      bodyFinished.set()
    }
    thread.start()
    let early = Joiners(of: thread, count: joinerCount, bodyFinished: bodyFinished)

    let returnedEarly = early.anyReturnedBeforeTheGateOpens()
    #expect(!returnedEarly, "a join() returned while the body was still blocked")
    gate.signal()
    #expect(early.allReturn(), "not every one of \(joinerCount) joiners returned: does join() wake them all?")
    let unfinished = early.sawUnfinishedBody
    #expect(unfinished == 0, "a join() returned before the body had finished")

    let late = Joiners(of: thread, count: 1, bodyFinished: bodyFinished)
    #expect(late.allReturn(), "join() after the body had finished did not return")
  }

  // R01.1, R01.5
  @Test("join() sleeps until the body has finished: it neither spins nor polls")
  func joinSleeps() throws {
    let gate = DispatchSemaphore(value: 0)
    let bodyFinished = Flag()
    let thread = JoinableThread {
      gate.wait()
      bodyFinished.set()
    }
    thread.start()
    let joining = BackgroundCall {
      thread.join()
      return bodyFinished.isSet
    }

    let waiting = joining.watchWhileWaiting()
    gate.signal()
    #expect(waiting == .blocked, "while the body was still running, join() \(waiting)")
    let outcome = try #require(joining.result(), "join() never returned after the body finished")
    #expect(try outcome.get(), "join() returned before the body had finished")
  }

  // R01.4
  @Test("start() then join() at once, on one thread, waits for the body even before its thread has run")
  func joinRightAfterStartWaits() throws {
    var random = WorkbookRandom()
    let recorder = TraceRecorder.current
    // Each round is a fresh race between the new thread's first instruction and the caller's
    // `join()`: counting up inside the thread loses it in some rounds, however few.
    for round in 1...random.int(in: 8...12) {
      let gate = DispatchSemaphore(value: 0)
      let bodyFinished = Flag()
      let thread = JoinableThread {
        recorder?.begin("body", lane: "body")
        gate.wait()
        bodyFinished.set()
        recorder?.end("body", lane: "body")
      }
      let caller = BackgroundCall {
        thread.start()
        recorder?.begin("join()", lane: "join()")
        thread.join()
        recorder?.end("join()", lane: "join()")
        return bodyFinished.isSet
      }

      let waiting = caller.watchWhileWaiting()
      gate.signal()
      let outcome = try #require(caller.result(), "join() never returned after the body finished")
      let waited = try outcome.get()
      if waiting == .returned || !waited {
        recorder?.violation(
          "round \(round): join() returned while the body still waited at its gate", lane: "join()")
      }
      try #require(
        waiting != .returned && waited,
        "round \(round): join() right after start() returned while the body was still blocked: does the count go up before the thread exists?"
      )
      try #require(waiting == .blocked, "round \(round): while the body was still running, join() \(waiting)")
    }
  }

  // R01.6, R01.7, R01.8
  @Test("runWorkers(count:) runs every worker at the same time, each on a thread of its own")
  func workersOverlap() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...8)
    let rendezvous = Rendezvous(parties: count)
    let runs = Mutex([Int: [UInt]]())

    // On a thread of the test's own, so a `join()` that never returns fails this test, not the suite.
    let running = BackgroundCall {
      try runWorkers(count: count) { index in
        let met = rendezvous.arrive()
        runs.withLock { $0[index, default: []].append(met ? currentThread() : 0) }
      }
      return currentThread()
    }
    let caller = try #require(
      running.result(), "runWorkers never returned: does join() wait for a thread that has already finished?"
    ).get()

    let recorded = runs.withLock { $0 }
    #expect(
      recorded.keys.sorted() == Array(0..<count), "every index from 0 to \(count - 1) runs exactly once")
    #expect(recorded.values.allSatisfy { $0.count == 1 }, "a worker ran more than once")
    let threads = recorded.values.flatMap { $0 }
    #expect(!threads.contains(0), "the \(count) workers never all ran at the same time")
    #expect(Set(threads).count == count, "workers shared a thread")
    #expect(!threads.contains(caller), "a worker ran on the caller's thread")
  }

  // R01.9
  @Test("runWorkers(count:) returns only after the last worker has finished")
  func runWorkersWaitsForAll() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...8)
    // The test holds one worker back while the others finish. It is neither the first worker
    // nor the last, so a call that joins only one of those two returns while it still runs.
    let straggler = random.int(in: 1...(count - 2))
    let gate = DispatchSemaphore(value: 0)
    let othersFinished = DispatchSemaphore(value: 0)
    let finished = Atomic(0)

    let running = BackgroundCall {
      try runWorkers(count: count) { index in
        if index == straggler {
          // The test always opens the gate; the limit only keeps a lost thread from living forever.
          _ = gate.wait(timeout: .now() + Liveness.deadline.timeInterval)
        }
        finished.add(1, ordering: .sequentiallyConsistent)
        if index != straggler { othersFinished.signal() }
      }
    }
    // Every worker but the straggler finishes; a call that has already returned ends the wait.
    var othersSeen = 0
    let othersDone = running.waitWhileRunning { timeout in
      while othersSeen < count - 1 {
        guard othersFinished.wait(timeout: .now() + timeout.timeInterval) == .success else { return false }
        othersSeen += 1
      }
      return true
    }
    let waiting = running.watchWhileWaiting()
    gate.signal()
    let outcome = try #require(running.result(), "runWorkers never returned after its last worker finished")
    try outcome.get()
    #expect(othersDone, "the \(count - 1) workers that were not held back never all finished")
    #expect(
      waiting == .blocked,
      "runWorkers \(waiting) while worker \(straggler) of \(count) was still running: join every thread")
    let finishedCount = finished.load(ordering: .sequentiallyConsistent)
    #expect(finishedCount == count, "runWorkers returned before every worker had finished")
  }
}

// MARK: - Fixtures

/// Threads of the test's own that call `join()` and note whether the body had finished by then.
private final class Joiners: Sendable {
  private let count: Int
  private let started = DispatchSemaphore(value: 0)
  private let returned = DispatchSemaphore(value: 0)
  private let returnedCount = Atomic(0)
  private let unfinishedCount = Atomic(0)

  init(of thread: JoinableThread, count: Int, bodyFinished: Flag) {
    self.count = count
    for _ in 0..<count {
      Thread { [self] in
        started.signal()
        thread.join()
        if !bodyFinished.isSet {
          unfinishedCount.add(1, ordering: .sequentiallyConsistent)
        }
        returnedCount.add(1, ordering: .sequentiallyConsistent)
        returned.signal()
      }.start()
    }
  }

  /// Whether a joiner returned within a grace period during which the test keeps the body blocked.
  ///
  /// Correct code never returns here, however long the period. A `join()` that does not wait
  /// returns within microseconds of its thread starting, so the period begins only once every
  /// joiner is running, and lasts long enough for a loaded machine to schedule them.
  func anyReturnedBeforeTheGateOpens() -> Bool {
    let limit = DispatchTime.now() + Liveness.deadline.timeInterval
    for _ in 0..<count where started.wait(timeout: limit) == .timedOut {
      return false
    }
    return returned.wait(timeout: .now() + 1) == .success
  }

  /// Whether every joiner has returned by the liveness deadline.
  func allReturn() -> Bool {
    let limit = DispatchTime.now() + Liveness.deadline.timeInterval
    while returnedCount.load(ordering: .sequentiallyConsistent) < count {
      if returned.wait(timeout: limit) == .timedOut { return false }
    }
    return true
  }

  /// How many joiners returned while the body had not finished.
  var sawUnfinishedBody: Int { unfinishedCount.load(ordering: .sequentiallyConsistent) }
}
