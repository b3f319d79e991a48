import Capstone
import CapstoneGiven
import FixtureServer
import Foundation
import Testing
import WorkbookCore
import WorkbookSupport
import WorkbookTestSupport

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

@Suite("Chapter 10 · Capstone: choosing the right tool", .timeline)
struct CapstoneTests {
  // MARK: Counting words

  // R10.1, R10.2
  @Test("countWords counts every word of a text exactly, whatever whitespace separates the words")
  func countWordsIsExact() {
    var random = WorkbookRandom()
    var vocabulary = (0..<random.int(in: 5...12)).map { _ in random.word() }
    // The same word with a capital letter is another word.
    vocabulary.append(vocabulary[0].capitalized)
    let separators = [" ", "  ", "\n", "\t", " \n\t ", "\r\n"]
    var text = random.pick(["", " ", "\n  "])
    var expected: [String: Int] = [:]
    for _ in 0..<random.int(in: 50...300) {
      let word = random.pick(vocabulary)
      text += word + random.pick(separators)
      expected[word, default: 0] += 1
    }
    // Every run has both spellings of one word, so a count that folds case is never right by luck.
    for word in [vocabulary[0], vocabulary[0].capitalized] {
      text += random.pick(separators) + word
      expected[word, default: 0] += 1
    }

    #expect(countWords(in: text) == expected)
    #expect(countWords(in: " \n\t ") == [:], "whitespace alone has no words")
  }

  // MARK: A bounded blocking queue

  // The queue tests are async although the queue is not: every blocking call runs on a thread of
  // the test's own, and the test awaits it. A test that blocked instead would hold one of the
  // cooperative pool's few threads, which the other tests of the suite need meanwhile.

  // R10.3, R10.7, R10.12
  @Test("put blocks while the queue is full, and returns once a consumer has taken an element")
  func putBlocksWhileFull() async {
    var random = WorkbookRandom()
    // Two at least, so that the order elements come out in shows (capacity 1: noWakeUpIsLost).
    let capacity = random.int(in: 2...5)
    let queue = BoundedQueue<Int>(capacity: capacity)
    let returned = Tally()
    let producer = BackgroundCall {
      for item in 0...capacity {
        try queue.put(item)
        returned.add()
      }
    }
    defer { queue.close() }

    // The producer fills the queue, then its last put must wait for room.
    guard await eventually({ queue.blockedProducers == 1 }, while: producer) else {
      Issue.record(
        "the producer never waited in put(_:) (blockedProducers is \(queue.blockedProducers)): \(describe(producer))"
      )
      return
    }
    #expect(returned.value == capacity, "put(_:) returned while the queue was full")
    #expect(queue.count == capacity)

    // Taking one element makes room, so the waiting put must now go through.
    #expect(await taking(1, from: queue) == [0], "take() did not hand out the oldest element")
    #expect(await producer.outcome() != nil, "put(_:) was still waiting after a consumer had made room")
    #expect(returned.value == capacity + 1)
    #expect(await taking(capacity, from: queue) == Array(1...capacity), "the elements came out of order")
    #expect(queue.count == 0)
    #expect(queue.peakCount == capacity)
  }

  // R10.4, R10.11
  @Test("take blocks while the queue is empty, and each put hands its element to one waiting consumer")
  func takeBlocksWhileEmpty() async {
    var random = WorkbookRandom()
    let consumerCount = random.int(in: 2...5)
    let queue = BoundedQueue<Int>(capacity: random.int(in: 1...4))
    let first = random.int(in: 1...1_000_000)
    let items = Array(first..<first + consumerCount)
    let consumers = (0..<consumerCount).map { _ in BackgroundCall { queue.take() } }
    defer { queue.close() }

    guard await eventually({ queue.blockedConsumers == consumerCount }, while: consumers) else {
      Issue.record(
        "the \(consumerCount) consumers never all waited in take() (blockedConsumers is \(queue.blockedConsumers)); \(describe(consumers))"
      )
      return
    }
    for (index, item) in items.enumerated() {
      let put = await BackgroundCall { try queue.put(item) }.outcome()
      #expect(put != nil, "put(_:) blocked on a queue with room")
      // One consumer wakes with the element; the others find the queue empty and wait again.
      let woken = index + 1
      let handedOver = await eventually {
        consumers.filter(\.isFinished).count == woken && queue.blockedConsumers == consumerCount - woken
      }
      #expect(
        handedOver, "after \(woken) puts, \(consumers.filter(\.isFinished).count) consumers had returned")
    }

    let taken = await outcomes(of: consumers).compactMap { outcome -> Int? in
      guard case .success(let item?)? = outcome else { return nil }
      return item
    }
    #expect(taken.sorted() == items, "each element goes to exactly one consumer")
    #expect(queue.count == 0)
  }

  // R10.8, R10.9, R10.10
  @Test("close() wakes every waiting thread: put throws QueueClosed, take hands out what is left, then nil")
  func closeWakesEveryone() async {
    var random = WorkbookRandom()
    let capacity = random.int(in: 1...4)
    let full = BoundedQueue<Int>(capacity: capacity)
    let producer = BackgroundCall {
      for item in 0...capacity { try full.put(item) }
    }
    defer { full.close() }
    guard await eventually({ full.blockedProducers == 1 }, while: producer) else {
      Issue.record("the producer never waited in put(_:) on a full queue: \(describe(producer))")
      return
    }
    full.close()
    let outcome = await producer.outcome()
    #expect(outcome != nil, "close() did not wake the producer waiting in put(_:)")
    #expect(error(in: outcome) is QueueClosed, "put(_:) on a closed queue did not throw QueueClosed")
    #expect(
      await taking(capacity + 1, from: full) == Array(0..<capacity).map(Optional.some) + [nil],
      "a closed queue must hand out what it holds, then nil")
    let lateOutcome = await BackgroundCall { try full.put(capacity) }.outcome()
    #expect(error(in: lateOutcome) is QueueClosed, "put(_:) after close() did not throw QueueClosed")

    let consumerCount = random.int(in: 2...5)
    let empty = BoundedQueue<Int>(capacity: capacity)
    let consumers = (0..<consumerCount).map { _ in BackgroundCall { empty.take() } }
    defer { empty.close() }
    guard await eventually({ empty.blockedConsumers == consumerCount }, while: consumers) else {
      Issue.record("the \(consumerCount) consumers never all waited in take(): \(describe(consumers))")
      return
    }
    empty.close()
    let results = await outcomes(of: consumers)
    #expect(results.allSatisfy { $0 != nil }, "close() did not wake every consumer waiting in take()")
    #expect(
      results.allSatisfy { (try? $0?.get()) == .some(nil) }, "take() on a closed, empty queue returns nil")
  }

  // R10.3, R10.7
  @Test(
    "fast producers and slow consumers: the queue never holds more than its capacity, and every element arrives once, in order"
  )
  func boundHoldsUnderPressure() async {
    var random = WorkbookRandom()
    let capacity = random.int(in: 1...4)
    let producerCount = random.int(in: 2...3)
    let perProducer = random.int(in: 50...150)
    let consumerCount = random.int(in: 2...3)
    let queue = BoundedQueue<Item>(capacity: capacity)
    let putsReturned = Tally()
    let takesStarted = Tally()
    let mostSeen = Guarded(0)
    let sawBlockedProducer = Flag()
    let received = Guarded([[Item]](repeating: [], count: consumerCount))
    defer { queue.close() }
    let recorder = TraceRecorder.current

    let producing = BackgroundCall {
      let finished = runOnTestThreads(producerCount) { producer in
        for sequence in 0..<perProducer {
          do { try queue.put(Item(producer: producer, sequence: sequence)) } catch { return }
          // Every put counted here has added its element, and every element removed was taken by a
          // take counted in `takesStarted`: so at least `inserted - taken` elements were in the
          // queue when this put returned, whatever the other threads were doing.
          let inserted = putsReturned.add()
          let taken = takesStarted.value
          let overfilled = mostSeen.withLock { most in
            defer { most = max(most, inserted - taken) }
            return most <= capacity && inserted - taken > capacity
          }
          recorder?.counter("queue", inserted - taken)
          if overfilled {
            recorder?.violation(
              "P\(producer + 1)'s put(_:) returned with at least \(inserted - taken) elements in a queue of "
                + "capacity \(capacity)", lane: "queue")
          }
        }
      }
      queue.close()
      return finished
    }
    let consuming = BackgroundCall {
      runOnTestThreads(consumerCount) { consumer in
        while true {
          // A slow consumer: it takes only once a producer waits in put(_:), that is, from a queue
          // that has filled up, or once every producer is done.
          guard pollOnThisThread(until: { queue.blockedProducers > 0 || producing.isFinished }) else {
            return
          }
          if queue.blockedProducers > 0 { sawBlockedProducer.set() }
          takesStarted.add()
          guard let item = queue.take() else { return }
          received.withLock { $0[consumer].append(item) }
        }
      }
    }

    let consumed = await consuming.outcome(deadline: Liveness.deadline * 2)
    #expect(
      (try? consumed?.get()) == true,
      "the consumers never finished: did take() return nil once the queue was closed and empty?")
    #expect(await producing.outcome() != nil, "the producers never finished")
    let most = mostSeen.withLock { $0 }
    #expect(
      most <= capacity, "put(_:) returned with at least \(most) elements in a queue of capacity \(capacity)")
    #expect(
      sawBlockedProducer.isSet,
      "no producer ever waited in put(_:), though the consumers took only from a full queue")
    #expect(queue.peakCount == capacity, "peakCount")

    let lists = received.withLock { $0 }
    let expected = (0..<producerCount).flatMap { producer in
      (0..<perProducer).map { Item(producer: producer, sequence: $0) }
    }
    #expect(lists.flatMap { $0 }.sorted() == expected.sorted(), "every element put arrives exactly once")
    for list in lists {
      for producer in 0..<producerCount {
        let sequences = list.filter { $0.producer == producer }.map(\.sequence)
        #expect(sequences == sequences.sorted(), "one producer's elements were taken out of order")
      }
    }
  }

  // R10.3, R10.4, R10.5, R10.6
  @Test(
    "eager producers and consumers move thousands of elements through a queue of capacity 1: no wake-up is lost"
  )
  func noWakeUpIsLost() async {
    var random = WorkbookRandom()
    let producerCount = random.int(in: 2...3)
    let consumerCount = random.int(in: 2...3)
    let perProducer = random.int(in: 1_000...2_000)
    let queue = BoundedQueue<Item>(capacity: 1)
    let closing = Flag()
    let taken = Tally()
    let nilWhileOpen = Tally()
    let received = Guarded([Item]())
    // The test's own count of what the queue held, never the queue's: as in the test above, at
    // least `putsReturned - takesStarted` elements were in it when a put returned.
    let putsReturned = Tally()
    let takesStarted = Tally()
    let mostSeen = Guarded(0)

    // A backstop only: the test closes the queue once it has seen how the threads ended or stalled.
    let backstop = Liveness.deadline * 6
    let producing = BackgroundCall {
      runOnTestThreadsTogether(producerCount, deadline: backstop) { producer in
        for sequence in 0..<perProducer {
          do { try queue.put(Item(producer: producer, sequence: sequence)) } catch { return }
          let inserted = putsReturned.add()
          let started = takesStarted.value
          mostSeen.withLock { $0 = max($0, inserted - started) }
        }
      }
    }
    let consuming = BackgroundCall {
      runOnTestThreadsTogether(consumerCount, deadline: backstop) { _ in
        while true {
          takesStarted.add()
          guard let item = queue.take() else {
            if !closing.isSet { nilWhileOpen.add() }
            return
          }
          taken.add()
          received.withLock { $0.append(item) }
        }
      }
    }

    // Progress, not a clock, decides: the elements keep moving until the producers are done, or
    // none moves for a whole deadline, which only a lost wake-up explains.
    let clock = ContinuousClock()
    var seen = -1
    var lastMove = clock.now
    while !producing.isFinished && !consuming.isFinished && clock.now - lastMove < Liveness.deadline {
      if taken.value != seen {
        seen = taken.value
        lastMove = clock.now
      }
      try? await Task.sleep(for: .milliseconds(20))
    }
    let stalled = !producing.isFinished && !consuming.isFinished
    let (held, producersWaiting, consumersWaiting) = (
      queue.count, queue.blockedProducers, queue.blockedConsumers
    )
    closing.set()
    queue.close()
    #expect(await consuming.outcome() != nil, "the consumers never finished after close()")
    #expect(await producing.outcome() != nil, "the producers never finished after close()")

    let early = nilWhileOpen.value
    #expect(
      early == 0,
      "take() returned nil \(early) times while the queue was open: after every wake-up, check again in a `while` loop"
    )
    #expect(
      !stalled || early > 0,
      "a lost wake-up: no element moved for \(Int(Liveness.deadline.timeInterval)) s, with \(held) in the queue, \(producersWaiting) producers waiting in put and \(consumersWaiting) consumers waiting in take. Producers and consumers wait on one condition, so signal() may wake the wrong one: broadcast()"
    )
    let most = mostSeen.withLock { $0 }
    #expect(
      most <= 1,
      "put(_:) returned with at least \(most) elements in a queue of capacity 1: after every wake-up, put must check again in a `while` loop"
    )
    if !stalled && early == 0 {
      let all = received.withLock { $0 }
      let expected = (0..<producerCount).flatMap { producer in
        (0..<perProducer).map { Item(producer: producer, sequence: $0) }
      }
      #expect(all.sorted() == expected, "every element put arrives exactly once")
    }
  }

  // MARK: The fetch pool

  // R10.13, R10.14, R10.15
  @Test(
    "the fetch pool keeps exactly `fetchers` requests in flight, puts every document into the queue, then closes it"
  )
  func fetchPoolKeepsItsBound() async throws {
    var random = WorkbookRandom()
    let fetchers = random.int(in: 2...4)
    let count = fetchers + random.int(in: 2...5)
    let paths = random.documentPaths(count)
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      server.traceBound(.atMost, fetchers)
      let urls = paths.enumerated().map { index, path in server.url(for: "\(path)?gate=g\(index)") }
      let census = ThreadCensus()
      let pool = FetchPool(fetchers: fetchers, census: census, fetch: settled(chapterFetch, on: server))
      let documents = BoundedQueue<Document>(capacity: random.int(in: 1...3))
      let draining = BackgroundCall {
        var taken: [Document] = []
        while let document = documents.take() { taken.append(document) }
        return taken
      }
      do {
        try pool.start(urls, into: documents)
      } catch {
        documents.close()
        throw error
      }

      // Each round waits for the pool to fill, then lets one of its requests through, picked at
      // random: a fetcher must take the next URL, and no other request may start.
      var served = 0
      while served < count {
        let window = min(fetchers, count - served)
        let started = served + window
        guard await server.waitUntil({ $0.inFlight == window && $0.startedRequests == started }) else {
          let seen = server.statistics
          Issue.record(
            "expected \(window) requests in flight and \(started) started, saw \(seen.inFlight) in flight and \(seen.startedRequests) started"
          )
          break
        }
        let seen = server.statistics
        let waiting = (0..<count).filter { seen.started(paths[$0]) == 1 && seen.served(paths[$0]) == 0 }
        guard let next = waiting.randomElement(using: &random) else { break }
        server.openGate("g\(next)")
        served += 1
        let total = served
        #expect(await server.waitUntil { $0.servedRequests == total })
      }
      // Lets every request through, whatever happened, so the pool can finish.
      for index in 0..<count { server.openGate("g\(index)") }

      let joined = await BackgroundCall { try pool.join() }.outcome()
      #expect(joined != nil, "join() never returned")
      #expect(error(in: joined) == nil, "join() threw \(error(in: joined).map { "\($0)" } ?? "")")
      let drained = await draining.outcome()
      let taken = try #require(
        try drained?.get(), "the documents queue was never closed after the last document")
      #expect(
        Dictionary(taken.map { ($0.url, $0.text) }, uniquingKeysWith: { first, _ in first })
          == Dictionary(uniqueKeysWithValues: zip(urls, paths.map { server.expectedText(for: $0) ?? "" })),
        "the documents in the queue are not the ones the server sent")
      #expect(taken.count == count, "\(taken.count) documents for \(count) URLs")
      #expect(server.statistics.peakInFlight == fetchers, "the most requests in flight at once")
      #expect(census.started == fetchers, "the pool started \(census.started) threads")
      #expect(census.finished == fetchers, "join() returned before every fetcher had finished")
    }
  }

  // R10.16, R10.17
  @Test("once a fetch fails, the fetchers take no more URLs, and join() throws that fetch's error")
  func fetchPoolStopsAfterAFailure() async throws {
    var random = WorkbookRandom()
    let fetchers = random.int(in: 2...4)
    let paths = random.documentPaths(fetchers + random.int(in: 2...5))
    let status = random.int(in: 500...599)
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      // The first URL fails at once; every other waits at its gate, so the failure comes first,
      // while the other fetchers hold their first URLs and more are left to take.
      let failing = server.url(for: "/status/\(status)")
      let urls = [failing] + paths.enumerated().map { server.url(for: "\($1)?gate=g\($0)") }
      let census = ThreadCensus()
      let pool = FetchPool(fetchers: fetchers, census: census, fetch: settled(chapterFetch, on: server))
      let documents = BoundedQueue<Document>(capacity: urls.count)
      defer { documents.close() }
      try pool.start(urls, into: documents)

      // The fetcher that failed finishes, having taken no other URL; a pool that goes on takes one
      // more instead, and waits at its gate.
      let stopped = await eventually {
        census.finished >= 1 || server.statistics.startedRequests > fetchers
      }
      #expect(stopped, "the fetcher whose fetch failed neither finished nor took another URL")
      for index in paths.indices { server.openGate("g\(index)") }
      let joined = await BackgroundCall { try pool.join() }.outcome()
      #expect(joined != nil, "join() never returned")
      #expect(
        error(in: joined) as? HTTPStatusError == HTTPStatusError(url: failing, status: status),
        "join() did not throw the failed fetch's error: \(describe(joined))")
      let started = server.statistics.startedRequests
      #expect(
        started <= fetchers,
        "\(started) requests for \(fetchers) fetchers: after the failure, a fetcher took another URL")
      #expect(census.finished == census.started, "join() returned before every fetcher had finished")
    }
  }

  // MARK: The pipeline

  // R10.14, R10.19
  @Test("the pipeline's word counts equal the counts of the documents the server sent")
  func pipelineCountsExactly() async throws {
    var random = WorkbookRandom()
    // More documents than the pipeline can hold at once (in its two queues and in the hands of its
    // threads), so a pipeline that joins its threads before it drains the counts can never finish.
    let paths = random.documentPaths(random.int(in: 20...40))
    let pipeline = Pipeline(
      fetchers: random.int(in: 2...4), counters: random.int(in: 2...3), capacity: random.int(in: 1...3))
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let urls = paths.map { server.url(for: $0) }

      let outcome = await BackgroundCall { try pipeline.run(urls, fetch: chapterFetch) }.outcome()
      let tally = try #require(outcome, "run(_:fetch:) never returned").get()

      var expected: [String: Int] = [:]
      for path in paths {
        for word in (server.expectedText(for: path) ?? "").split(whereSeparator: \.isWhitespace) {
          expected[String(word), default: 0] += 1
        }
      }
      #expect(tally.counts == expected)
      #expect(tally.documents == paths.count)
      #expect(await server.waitUntil { $0.servedRequests == paths.count })
      #expect(server.statistics.startedRequests == paths.count, "a document was fetched more than once")
    }
  }

  // R10.20
  @Test("run starts `fetchers` + `counters` threads and returns only after every one of them has finished")
  func pipelineStopsItsThreads() async throws {
    var random = WorkbookRandom()
    let census = ThreadCensus()
    let pipeline = Pipeline(
      fetchers: random.int(in: 1...4), counters: random.int(in: 1...4), capacity: random.int(in: 1...3),
      census: census)
    let paths = random.documentPaths(random.int(in: 1...20))
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let urls = paths.map { server.url(for: $0) }

      let outcome = await BackgroundCall { try pipeline.run(urls, fetch: chapterFetch) }.outcome()
      let tally = try #require(outcome, "run(_:fetch:) never returned").get()

      #expect(tally.documents == paths.count)
      #expect(
        census.started == pipeline.fetchers + pipeline.counters,
        "\(census.started) threads started for \(pipeline.fetchers) fetchers and \(pipeline.counters) counters"
      )
      #expect(
        census.finished == census.started,
        "run returned while \(census.started - census.finished) threads ran on")
    }
  }

  // R10.18, R10.20, R10.21
  @Test("when a fetch fails, run throws its error, and only after every thread it started has finished")
  func pipelineFailsCleanly() async throws {
    var random = WorkbookRandom()
    let census = ThreadCensus()
    let pipeline = Pipeline(
      fetchers: random.int(in: 1...4), counters: random.int(in: 1...3), capacity: random.int(in: 1...3),
      census: census)
    var paths = random.documentPaths(random.int(in: 3...20))
    let status = random.int(in: 500...599)
    let failingIndex = random.int(in: 0...paths.count)
    paths.insert("/status/\(status)", at: failingIndex)
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let urls = paths.map { server.url(for: $0) }

      let outcome = await BackgroundCall { try pipeline.run(urls, fetch: chapterFetch) }.outcome()

      #expect(outcome != nil, "run(_:fetch:) never returned")
      #expect(
        error(in: outcome) as? HTTPStatusError == HTTPStatusError(url: urls[failingIndex], status: status),
        "run did not throw the failing fetch's error: \(describe(outcome))")
      #expect(
        census.started == pipeline.fetchers + pipeline.counters,
        "\(census.started) threads started for \(pipeline.fetchers) fetchers and \(pipeline.counters) counters"
      )
      #expect(
        census.finished == census.started,
        "run threw while \(census.started - census.finished) threads ran on")
      #expect(await server.waitUntil { $0.inFlight == 0 })
    }
  }
}

// MARK: - Fixtures

/// One element of the pressure test: who put it, and its place in that producer's sequence.
struct Item: Sendable, Hashable, Comparable {
  var producer: Int
  var sequence: Int

  static func < (left: Item, right: Item) -> Bool {
    (left.producer, left.sequence) < (right.producer, right.sequence)
  }
}

/// The chapter's own blocking fetch, `fetchText(from:timeout:)`.
let chapterFetch: @Sendable (URL) throws -> String = { try fetchText(from: $0) }

/// A fetch that returns only once the server has counted its request as served.
///
/// The server counts a request as ended a moment after the client has its answer, and by then the
/// code under test may have started the next fetch: for that moment, the server would count one
/// request too many in flight. Waiting here keeps the server's counts exact.
func settled(_ fetch: @escaping @Sendable (URL) throws -> String, on server: FixtureServer)
  -> @Sendable (URL) throws -> String
{
  { url in
    let text = try fetch(url)
    let path = url.path
    _ = server.waitUntil { $0.served(path) >= 1 }
    return text
  }
}

/// Takes `count` elements on a thread of the test's own; `nil` if take() was still waiting at the deadline.
///
/// The test never calls `take()` on its own task: a queue that wrongly waits would hang the test.
func taking<Element: Sendable>(_ count: Int, from queue: BoundedQueue<Element>) async -> [Element?]? {
  let call = BackgroundCall { (0..<count).map { _ in queue.take() } }
  return try? await call.outcome()?.get()
}
