import FixtureServer
import Foundation
import Testing
import ThreadPools
import WorkbookSupport
import WorkbookTestSupport

@Suite("Chapter 6 · Thread pools", .timeline)
struct ThreadPoolsTests {
  // MARK: Future

  // R06.1, R06.2, R06.3
  @Test("result() blocks every caller until the future is completed, then gives each of them the first value")
  func resultWaitsForCompletion() throws {
    var random = WorkbookRandom()
    let value = random.int(in: 1...1_000_000)
    let future = Future<Int>()
    let callers = (0..<random.int(in: 2...4)).map { _ in BackgroundCall { try future.result() } }

    // Every caller is asleep in result() before the future completes: one wake-up is not enough.
    let waiting = callers.map { $0.watchWhileWaiting() }
    let notBlocked = waiting.first { $0 != .blocked }
    #expect(notBlocked == nil, "before the future was completed, result() \(notBlocked ?? .blocked)")
    let doneEarly = try returning("isDone") { future.isDone }
    #expect(!doneEarly, "isDone is true before complete(with:)")
    try returning("complete(with:)") {
      future.complete(with: .success(value))
      future.complete(with: .success(value + 1))
    }
    let done = try returning("isDone") { future.isDone }
    #expect(done, "isDone is false after complete(with:)")

    for caller in callers {
      let outcome = try #require(caller.result(), "a caller of result() never woke up: wake every waiter")
      #expect(try outcome.get() == value)
    }
    let late = try #require(
      BackgroundCall { try future.result() }.result(), "result() blocked on a done future")
    #expect(try late.get() == value, "a second complete(with:) replaced the first value")
  }

  // R06.2
  @Test("result() throws the error the future was completed with, to every caller")
  func resultThrowsTheError() throws {
    var random = WorkbookRandom()
    let error = Boom(code: random.int(in: 1...999))
    let future = Future<String>()
    let early = BackgroundCall { try future.result() }

    try returning("complete(with:)") { future.complete(with: .failure(error)) }

    let earlyOutcome = try #require(early.result(), "a caller of result() never woke up")
    #expect(throws: error, "the caller that waited") { try earlyOutcome.get() }
    let lateOutcome = try #require(BackgroundCall { try future.result() }.result(), "result() blocked")
    #expect(throws: error, "a caller after completion") { try lateOutcome.get() }
  }

  // R06.1, R06.4
  @Test("whenDone runs each callback once: on completion, or at once when the future is already done")
  func callbacksRunOnce() {
    var random = WorkbookRandom()
    let future = Future<Int>()
    let calls = Guarded([Int]())
    let before = random.int(in: 1...4)
    for index in 0..<before {
      future.whenDone { calls.withLock { $0.append(index) } }
    }
    let ranEarly = calls.withLock { !$0.isEmpty }
    #expect(!ranEarly, "a callback ran before the future was complete")

    future.complete(with: .success(random.int(in: 1...99)))
    let afterCompletion = calls.withLock { $0.sorted() }
    #expect(
      afterCompletion == Array(0..<before), "every callback runs once, by the time complete(with:) returns")
    future.complete(with: .success(0))
    let afterSecond = calls.withLock { $0.count }
    #expect(afterSecond == before, "a second complete(with:) ran the callbacks again")

    future.whenDone { calls.withLock { $0.append(before) } }
    let last = calls.withLock { $0.last }
    #expect(last == before, "whenDone on a future that is already done must run the callback at once")
  }

  // R06.6
  @Test("a callback may call result() and whenDone on its own future: callbacks run after unlocking")
  func callbacksMayUseTheirFuture() throws {
    var random = WorkbookRandom()
    let value = random.int(in: 1...1_000_000)
    let future = Future<Int>()
    let seen = Guarded([Int]())
    future.whenDone {
      seen.withLock { $0.append((try? future.result()) ?? -1) }
      future.whenDone { seen.withLock { $0.append(0) } }
    }

    let completing = BackgroundCall { future.complete(with: .success(value)) }
    try #require(
      completing.result() != nil,
      "complete(with:) never returned while its callback called result() on the same future: does it run the callbacks while it still holds the lock?"
    )
    let late = BackgroundCall {
      future.whenDone { seen.withLock { $0.append((try? future.result()) ?? -1) } }
    }
    try #require(
      late.result() != nil,
      "whenDone on a done future never returned while its callback called result(): does it run the callback while it still holds the lock?"
    )
    let calls = seen.withLock { $0 }
    #expect(calls == [value, 0, value], "each callback runs once and reads the value \(value)")
  }

  // MARK: Completion order

  // R06.18, R06.20
  @Test("CompletionOrder yields the futures in the order they complete, then ends")
  func completionOrder() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 5...8)
    let alreadyDone = random.int(in: 0...2)
    // The order in which the test completes the futures; never index order after the ones
    // already done, so iterating in index order can't pass by luck.
    var order: [Int]
    repeat {
      order = Array(0..<count).shuffled(using: &random)
    } while order.dropFirst(alreadyDone).elementsEqual(order.dropFirst(alreadyDone).sorted())
    let futures = (0..<count).map { _ in Future<Int>() }
    for index in order.prefix(alreadyDone) {
      futures[index].complete(with: .success(index))
    }

    let yielded = Guarded([Int]())
    let yieldedOne = DispatchSemaphore(value: 0)
    let iterating = BackgroundCall {
      for future in CompletionOrder(futures) {
        let index = (try? future.result()) ?? -1
        yielded.withLock { $0.append(index) }
        yieldedOne.signal()
      }
    }
    func waitForOneMore() -> Bool {
      iterating.waitWhileRunning { yieldedOne.wait(timeout: .now() + $0.timeInterval) == .success }
    }

    for _ in 0..<alreadyDone {
      try #require(waitForOneMore(), "futures already done when the iteration began never came out")
    }
    let first = yielded.withLock { Set($0) }
    #expect(first == Set(order.prefix(alreadyDone)), "the futures already done come first")
    for index in order.dropFirst(alreadyDone) {
      try returning("complete(with:)") { futures[index].complete(with: .success(index)) }
      try #require(waitForOneMore(), "future \(index) completed, and CompletionOrder never yielded it")
      let latest = yielded.withLock { $0.last }
      #expect(latest == index, "future \(index) had just completed, yet CompletionOrder yielded another")
    }
    let ended = iterating.result()
    try #require(ended, "the iteration never ended: next() must return nil after the last future").get()
    let all = yielded.withLock { $0 }
    #expect(all.count == count, "CompletionOrder yielded \(all.count) futures for \(count)")
  }

  // R06.19
  @Test("next() sleeps while no future is done: it neither spins nor polls")
  func completionOrderSleeps() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 2...5)
    let futures = (0..<count).map { _ in Future<Int>() }
    let last = random.int(in: 0...(count - 1))
    let iterating = BackgroundCall { CompletionOrder(futures).next().flatMap { try? $0.result() } }

    let waiting = iterating.watchWhileWaiting()
    try returning("complete(with:)") { futures[last].complete(with: .success(last)) }
    let outcome = try #require(iterating.result(), "next() never returned after future \(last) completed")
    for future in futures { future.complete(with: .success(-1)) }
    #expect(waiting == .blocked, "while no future was done, next() \(waiting)")
    #expect(try outcome.get() == last, "next() returned something other than the one future done")
  }

  // MARK: The pool

  // R06.7
  @Test("every submitted closure runs exactly once, and its future gives back what it returned")
  func everyTaskRunsOnce() throws {
    var random = WorkbookRandom()
    let maxWorkers = random.int(in: 1...4)
    let count = random.int(in: 10...40)
    let factor = random.int(in: 2...1_000)
    let runs = Guarded([Int: Int]())
    let pool = ThreadPool(maxWorkers: maxWorkers)
    defer { stop(pool) }

    let futures = try returning("submit(_:)") {
      try (0..<count).map { index in
        try pool.submit {
          runs.withLock { $0[index, default: 0] += 1 }
          return index * factor
        }
      }
    }

    let collecting = BackgroundCall { try futures.map { try $0.result() } }
    let values = try #require(collecting.result(), "a future never completed").get()
    #expect(values == (0..<count).map { $0 * factor }, "each future gives back its own closure's value")
    let counts = runs.withLock { $0 }
    #expect(counts == Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, 1) }), "each closure runs once")
  }

  // R06.8
  @Test("a pool's worker takes the oldest closure waiting first")
  func oldestFirst() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...8)
    let probe = TaskProbe()
    let order = Guarded([Int]())
    let pool = ThreadPool(maxWorkers: 1)
    defer {
      probe.open()
      stop(pool)
    }

    // The only worker waits at the gate with the first closure, so the others queue up behind it.
    let first = try returning("submit(_:)") { try pool.submit { probe.run() } }
    if let why = whyWorkersAreNotAllBusy(probe, pool: pool, maxWorkers: 1) {
      Issue.record("\(why)")
      return
    }
    let queued = try returning("submit(_:)") {
      try (0..<count).map { index in try pool.submit { order.withLock { $0.append(index) } } }
    }
    probe.open()

    let finishing = BackgroundCall {
      try first.result()
      try queued.forEach { try $0.result() }
    }
    try #require(finishing.result(), "a future never completed").get()
    let ran = order.withLock { $0 }
    #expect(
      ran == Array(0..<count), "closures queued in the order \(Array(0..<count)) ran in the order \(ran)")
  }

  // R06.7, R06.9, R06.10
  @Test(
    "at most maxWorkers closures run at once, all on the pool's own maxWorkers threads, every one kept busy")
  func poolIsBounded() throws {
    var random = WorkbookRandom()
    let maxWorkers = random.int(in: 2...5)
    let count = maxWorkers * random.int(in: 2...3)
    let probe = TaskProbe()
    let pool = ThreadPool(maxWorkers: maxWorkers)
    defer {
      probe.open()
      stop(pool)
    }

    let futures = try returning("submit(_:)") { try (0..<count).map { _ in try pool.submit { probe.run() } } }
    // Every closure waits at the probe's gate: the workers fill up, and the rest stay queued.
    if let why = whyWorkersAreNotAllBusy(probe, pool: pool, maxWorkers: maxWorkers) {
      Issue.record("\(why)")
      return
    }
    let overran = probe.waitUntil(inside: maxWorkers + 1, timeout: grace)
    #expect(!overran, "\(probe.inside) closures ran at once on a pool of \(maxWorkers) workers")
    let live = try returning("liveWorkerCount") { pool.liveWorkerCount }
    #expect(live == maxWorkers, "liveWorkerCount while the pool runs")
    probe.open()

    let finishing = BackgroundCall { try futures.forEach { try $0.result() } }
    try #require(finishing.result(), "a future never completed").get()
    #expect(probe.peak == maxWorkers, "the most closures running at once")
    #expect(
      probe.threads.count == maxWorkers,
      "the closures ran on \(probe.threads.count) threads, not \(maxWorkers)")
    #expect(!probe.threads.contains(ObjectIdentifier(Thread.current)), "a closure ran on the caller's thread")
  }

  // R06.11
  @Test("an idle worker sleeps until there is work: it neither spins nor polls")
  func idleWorkersSleep() throws {
    var random = WorkbookRandom()
    let value = random.int(in: 1...999)
    let pool = ThreadPool(maxWorkers: 1)
    defer { stop(pool) }

    // The one worker tells the test which thread it is, then has nothing left to do.
    let reporting = try returning("submit(_:)") { try pool.submit { ThreadActivity.current() } }
    let worker = try #require(
      BackgroundCall { try reporting.result() }.result(), "the future never completed"
    )
    .get()
    let idle = worker.watchWhileWaiting { false }
    #expect(idle == .blocked, "with no closure queued, the pool's worker \(idle)")
    let next = try returning("submit(_:)") { try pool.submit { value } }
    let outcome = try #require(
      BackgroundCall { try next.result() }.result(), "an idle worker never woke for a new closure")
    #expect(try outcome.get() == value)
  }

  // R06.12
  @Test("a closure's thrown error comes out of its future, and its worker goes on to the next closure")
  func errorsReachTheFuture() throws {
    var random = WorkbookRandom()
    let error = Boom(code: random.int(in: 1...999))
    let value = random.int(in: 1...999)
    // One worker: if the error stopped it, nothing would run the second closure.
    let pool = ThreadPool(maxWorkers: 1)
    defer { stop(pool) }

    let failing = try pool.submit { () throws -> Int in throw error }
    let next = try pool.submit { value }

    let failed = try #require(
      BackgroundCall { try failing.result() }.result(), "the failing closure's future never completed")
    #expect(throws: error, "result() of the closure that threw") { try failed.get() }
    let succeeded = try #require(
      BackgroundCall { try next.result() }.result(),
      "after a closure threw, its worker never ran the next one")
    #expect(try succeeded.get() == value)
  }

  // R06.10, R06.13, R06.15
  @Test("shutdown(wait: true) runs every queued closure, then stops every worker thread")
  func shutdownWaits() throws {
    var random = WorkbookRandom()
    let maxWorkers = random.int(in: 1...3)
    let count = maxWorkers + random.int(in: 2...6)
    let probe = TaskProbe()
    let pool = ThreadPool(maxWorkers: maxWorkers)
    defer {
      probe.open()
      stop(pool)
    }

    let futures = try returning("submit(_:)") { try (0..<count).map { _ in try pool.submit { probe.run() } } }
    if let why = whyWorkersAreNotAllBusy(probe, pool: pool, maxWorkers: maxWorkers) {
      Issue.record("\(why)")
      return
    }
    let shuttingDown = BackgroundCall {
      pool.shutdown(wait: true)
      return (finished: probe.finished, live: pool.liveWorkerCount)
    }
    // The closures are held at the gate, so a shutdown that waits can't return yet.
    let returnedEarly = shuttingDown.returns(within: grace)
    #expect(!returnedEarly, "shutdown(wait: true) returned while closures were still running or queued")
    probe.open()

    let state = try #require(shuttingDown.result(), "shutdown(wait: true) never returned").get()
    #expect(
      state.finished == count, "shutdown(wait: true) returned after \(state.finished) of \(count) closures")
    #expect(state.live == 0, "liveWorkerCount is \(state.live) after shutdown(wait: true): stop every worker")
    let allDone = futures.allSatisfy { $0.isDone }
    #expect(allDone, "every future is complete once shutdown(wait: true) returns")
  }

  // R06.13, R06.14, R06.16
  @Test(
    "shutdown(wait: false) returns at once, the queued closures still run, and submit then throws shutDown")
  func shutdownWithoutWaiting() throws {
    var random = WorkbookRandom()
    let maxWorkers = random.int(in: 1...3)
    let count = maxWorkers + random.int(in: 1...4)
    let probe = TaskProbe()
    let pool = ThreadPool(maxWorkers: maxWorkers)
    defer {
      probe.open()
      stop(pool)
    }

    let futures = try returning("submit(_:)") {
      try (0..<count).map { index in
        try pool.submit {
          probe.run()
          return index
        }
      }
    }
    if let why = whyWorkersAreNotAllBusy(probe, pool: pool, maxWorkers: maxWorkers) {
      Issue.record("\(why)")
      return
    }
    let returned = BackgroundCall { pool.shutdown(wait: false) }.result() != nil
    #expect(returned, "shutdown(wait: false) blocked while closures were running: it must return at once")
    let late = try returning("submit(_:) after shutdown") { Result { try pool.submit { -1 } } }
    #expect(throws: ThreadPoolError.shutDown, "submit after shutdown") { try late.get() }
    probe.open()

    let values = try returning("result() of the closures queued before the shutdown") {
      try futures.map { try $0.result() }
    }
    #expect(values == Array(0..<count))
    let stopping = BackgroundCall {
      pool.shutdown(wait: true)
      return pool.liveWorkerCount
    }
    let live = try #require(stopping.result(), "shutdown(wait: true) never returned").get()
    #expect(live == 0, "liveWorkerCount is \(live) once every worker has stopped")
  }

  // R06.17
  @Test(
    "liveWorkerCount is maxWorkers as soon as init returns, and a shutdown(wait: true) at once waits for them all"
  )
  func workersCountFromInit() throws {
    var random = WorkbookRandom()
    // Each round is a fresh race between the new threads' first lines and the caller's next
    // call: a count the workers raise themselves loses it in almost every round.
    for round in 1...random.int(in: 8...12) {
      let maxWorkers = random.int(in: 2...4)
      let (live, after) = try returning("ThreadPool(maxWorkers:), liveWorkerCount or shutdown(wait: true)") {
        let pool = ThreadPool(maxWorkers: maxWorkers)
        let live = pool.liveWorkerCount
        pool.shutdown(wait: true)
        return (live, pool.liveWorkerCount)
      }
      try #require(
        live == maxWorkers,
        "round \(round): right after init, liveWorkerCount was \(live), not \(maxWorkers): does a worker count itself once its thread runs?"
      )
      try #require(
        after == 0, "round \(round): liveWorkerCount was \(after) once shutdown(wait: true) had returned")
    }
  }

  // MARK: Fetching with a pool

  // R06.22
  @Test("fetchAll keeps exactly maxWorkers requests in flight, never more, and fetches each URL once")
  func fetchAllIsBounded() throws {
    var random = WorkbookRandom()
    let maxWorkers = random.int(in: 2...4)
    let count = maxWorkers * 2 + random.int(in: 1...4)
    let gate = random.name()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      server.traceBound(.atMost, maxWorkers)
      let paths = random.documentPaths(count)
      let urls = paths.map { server.url(for: "\($0)?gate=\(gate)") }

      let fetching = BackgroundCall { try fetchAll(urls, maxWorkers: maxWorkers, timeout: patience) }
      // Every request waits at the gate: the workers fill up and the other URLs stay queued.
      let allBusy = fetching.waitWhileRunning { server.waitUntil(inFlight: maxWorkers, timeout: $0) }
      let overran = server.waitUntil(inFlight: maxWorkers + 1, timeout: grace)
      // Read before any request is answered: after that, the server's counts lag the client's.
      let peak = server.statistics.peakInFlight
      server.openGate(gate)
      let reports = try #require(fetching.result(), "fetchAll never returned").get()

      #expect(
        allBusy,
        """
        fetchAll never had \(maxWorkers) requests in flight at once, but at most \(peak). Likely causes, most \
        likely first: your ThreadPool runs each closure while it holds its lock (its own tests say \
        whether); fetchAll waits for each fetch before it submits the next; it makes a pool of fewer \
        workers than maxWorkers
        """)
      #expect(
        !overran && peak == maxWorkers,
        "\(peak) requests were in flight at once with maxWorkers \(maxWorkers)")
      try #require(reports.count == count, "fetchAll returned \(reports.count) reports for \(count) URLs")
      #expect(Set(reports.map(\.url)) == Set(urls), "one report for each URL")
      for report in reports {
        #expect(report.outcome == .success(200), "the report for \(report.url.path)")
      }
      #expect(server.waitUntil { $0.servedRequests == count }, "every URL is fetched once")
      #expect(server.statistics.servedByPath == Dictionary(uniqueKeysWithValues: paths.map { ($0, 1) }))
    }
  }

  // R06.23
  @Test("fetchAll reports each result as soon as it completes, in completion order")
  func fetchAllReportsInCompletionOrder() throws {
    var random = WorkbookRandom()
    let maxWorkers = random.int(in: 2...4)
    let count = maxWorkers + random.int(in: 2...5)
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let paths = random.documentPaths(count)
      // A gate per URL, named after its index: the test decides which request is answered next.
      let urls = paths.indices.map { server.url(for: "\(paths[$0])?gate=g\($0)") }
      let reported = Guarded([URL]())
      let reportedOne = DispatchSemaphore(value: 0)
      let fetching = BackgroundCall {
        try fetchAll(urls, maxWorkers: maxWorkers, timeout: patience) { report in
          reported.withLock { $0.append(report.url) }
          reportedOne.signal()
        }
      }

      var opened: [Int] = []
      for step in 0..<count {
        // Every worker has taken a URL: the ones answered so far, plus one per worker.
        let expected = min(count, step + maxWorkers)
        let started = fetching.waitWhileRunning { timeout in
          server.waitUntil(timeout: timeout) { $0.startedRequests >= expected }
        }
        try #require(
          started,
          "\(server.statistics.startedRequests) requests started, not \(expected): keep every worker busy")
        // Answer one of the requests that are waiting, picked at random; never the first URL
        // first, so that the order of submission never passes by luck.
        let waiting = server.statistics.startedByPath.keys
        let candidates = paths.indices.filter { waiting.contains(paths[$0]) && !opened.contains($0) }
        let pick = (step == 0 && candidates.count > 1 ? Array(candidates.dropFirst()) : candidates)
          .randomElement(using: &random)
        let next = try #require(pick, "no request is waiting at its gate")
        server.openGate("g\(next)")
        opened.append(next)
        let came = fetching.waitWhileRunning {
          reportedOne.wait(timeout: .now() + $0.timeInterval) == .success
        }
        try #require(came, "\(paths[next]) was answered, and no report came")
        let latest = reported.withLock { $0.last }
        #expect(latest == urls[next], "\(paths[next]) was the only one answered, yet another was reported")
      }

      let reports = try #require(fetching.result(), "fetchAll never returned").get()
      #expect(
        reports.map(\.url) == opened.map { urls[$0] }, "fetchAll returns the reports in completion order")
    }
  }

  // R06.24
  @Test("fetchAll reports a failed fetch as an error beside the statuses of the others")
  func fetchAllReportsErrors() throws {
    var random = WorkbookRandom()
    let refusing = try RefusingPort()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let paths = random.documentPaths(random.int(in: 2...4)) + ["/status/\(random.int(in: 500...599))"]
      let refusedURL = refusing.url(for: "/doc/\(random.int(in: 1...99))")
      let droppedURL = server.url(for: "/drop")
      let urls = (paths.map { server.url(for: $0) } + [refusedURL, droppedURL]).shuffled(using: &random)

      let fetching = BackgroundCall { try fetchAll(urls, timeout: patience) }
      let reports = try #require(fetching.result(), "fetchAll never returned").get()

      try #require(
        reports.count == urls.count, "fetchAll returned \(reports.count) reports for \(urls.count) URLs")
      let byURL = Dictionary(reports.map { ($0.url, $0.outcome) }, uniquingKeysWith: { first, _ in first })
      for path in paths {
        let status = try #require(server.expectedStatus(for: path))
        #expect(byURL[server.url(for: path)] == .success(status), "the report for \(path)")
      }
      #expect(byURL[refusedURL] == .failure(.connectionRefused), "the report for a URL nothing listens at")
      #expect((try? byURL[droppedURL]?.get()) == nil, "/drop closes without an answer: an error")
      #expect(reports.allSatisfy { $0.elapsed >= .zero }, "every report's elapsed time is at least zero")
    }
  }
}

// MARK: - Fixtures

/// How long a test gives code that must block the chance to return anyway. Correct code never
/// does, however long this is; code that does not block returns within microseconds.
private let grace = Duration.milliseconds(500)

/// The timeout for requests that must not time out: a gate may hold them while the test works.
private let patience = Duration.seconds(60)

/// The error the tests' closures throw.
private struct Boom: Error, Equatable {
  let code: Int
}

/// Runs `body` on a thread of the test's own and returns what it returns; fails the test if it never returns.
///
/// The test calls your code through this wherever a bug could block it: a worker that runs its
/// closure while holding the pool's lock, say, blocks every `submit`. The test then fails with the
/// name of the call instead of hanging.
@discardableResult
private func returning<Value: Sendable>(
  _ call: String,
  sourceLocation: SourceLocation = #_sourceLocation,
  _ body: @escaping @Sendable () throws -> Value
) throws -> Value {
  let outcome = BackgroundCall(body).result()
  return try #require(outcome, "\(call) never returned: a deadlock?", sourceLocation: sourceLocation).get()
}

/// Waits until `maxWorkers` closures are inside `probe` at once; `nil` if they are, else why not.
///
/// When fewer are, the test reaches into the pool while a closure waits at the probe's gate: a
/// pool whose lock is free answers `liveWorkerCount` and takes a `submit` at once. If neither
/// returns, the pool's lock is held while a closure runs, the cause of every symptom after it.
private func whyWorkersAreNotAllBusy(_ probe: TaskProbe, pool: ThreadPool, maxWorkers: Int) -> String? {
  guard !probe.waitUntil(inside: maxWorkers) else { return nil }
  let inside = probe.inside
  if inside > 0,
    !BackgroundCall({ pool.liveWorkerCount }).returns(within: grace)
      || !BackgroundCall({ try? pool.submit { 0 } }).returns(within: grace)
  {
    return """
      the pool's lock was held while a closure ran, so only \(inside) of \(maxWorkers) workers could \
      run one: run the job after unlocking (lesson: "The pool: workers, a queue and a condition")
      """
  }
  return """
    only \(inside) closures ran at once with \(maxWorkers) workers. Likely causes, most likely first: \
    the pool starts fewer than maxWorkers threads; submit queues a closure without waking a \
    sleeping worker (signal after appending); a worker waits for something else before it takes \
    the next closure (lesson: "The pool: workers, a queue and a condition")
    """
}

/// Shuts `pool` down and waits for it, giving up at the liveness deadline rather than hanging the test.
private func stop(_ pool: ThreadPool) {
  _ = BackgroundCall { pool.shutdown(wait: true) }.result()
}

/// Closures for the pool that wait at a gate and count how many run at once, and on which threads.
// `@unchecked Sendable`: every stored var is read and written only while `condition` is locked.
private final class TaskProbe: @unchecked Sendable {
  private let condition = NSCondition()
  private var isOpen = false
  private var insideCount = 0
  private var peakCount = 0
  private var finishedCount = 0
  private var threadIDs = Set<ObjectIdentifier>()

  /// The closure's body: counts itself in, waits until the gate opens, counts itself out.
  func run() {
    condition.lock()
    defer { condition.unlock() }
    insideCount += 1
    peakCount = max(peakCount, insideCount)
    threadIDs.insert(ObjectIdentifier(Thread.current))
    condition.broadcast()
    // The gate always opens when the test ends; the limit only keeps a lost thread from living forever.
    let limit = Date(timeIntervalSinceNow: 6 * Liveness.deadline.timeInterval)
    while !isOpen && condition.wait(until: limit) {}
    insideCount -= 1
    finishedCount += 1
    condition.broadcast()
  }

  /// Lets every closure waiting at the gate go on, and every later one pass at once.
  func open() {
    condition.lock()
    defer { condition.unlock() }
    isOpen = true
    condition.broadcast()
  }

  /// Waits until `count` closures are inside at once; `false` if `timeout` passed first.
  func waitUntil(inside count: Int, timeout: Duration = Liveness.deadline) -> Bool {
    let limit = Date(timeIntervalSinceNow: timeout.timeInterval)
    condition.lock()
    defer { condition.unlock() }
    while insideCount < count {
      if !condition.wait(until: limit) { return insideCount >= count }
    }
    return true
  }

  var inside: Int { locked { insideCount } }
  var peak: Int { locked { peakCount } }
  var finished: Int { locked { finishedCount } }
  var threads: Set<ObjectIdentifier> { locked { threadIDs } }

  private func locked<Result>(_ body: () -> Result) -> Result {
    condition.lock()
    defer { condition.unlock() }
    return body()
  }
}
