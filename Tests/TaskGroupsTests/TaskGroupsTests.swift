import FixtureServer
import Foundation
import Synchronization
import TaskGroups
import TaskGroupsGiven
import Testing
import WorkbookSupport
import WorkbookTestSupport

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

@Suite("Chapter 7 · From Promise.all to task groups", .timeline)
struct TaskGroupsTests {
  // MARK: async let

  // R07.1, R07.2
  @Test("fetchBoth has both requests in flight at once and returns the pages in argument order")
  func fetchBothOverlaps() async throws {
    var random = WorkbookRandom()
    let paths = random.documentPaths(2)
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      server.traceBound(.together, 2)
      let browser = Browser()
      let urls = gatedURLs(paths, on: server)
      let returns = Returns()
      let fetching = Task { try await fetchBoth(urls[0], urls[1], using: returns.recording(browser.fetch)) }

      let overlapped = await server.waitUntil({ $0.inFlight == 2 }, while: fetching)
      #expect(overlapped, "the two requests were never in flight at the same time")
      // The second page is back in fetchBoth's hands first, so a pair in finishing order comes
      // back swapped; the server counting it served would not be enough (see `Returns`).
      server.openGate(gate(1))
      if overlapped {
        #expect(await eventually({ returns.contains(urls[1]) }, while: fetching))
      }
      server.openGate(gate(0))

      let (first, second) = try await value(of: fetching)
      #expect(first.url == urls[0] && second.url == urls[1], "the pages came back in the wrong order")
      #expect(first.body == server.expectedBody(for: paths[0]), "the first page's body")
      #expect(second.body == server.expectedBody(for: paths[1]), "the second page's body")
    }
  }

  // MARK: Promise.all

  // R07.3, R07.4
  @Test(
    "fetchAll has every request in flight at once and returns the pages in input order, not finishing order")
  func fetchAllKeepsInputOrder() async throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...8)
    let paths = random.documentPaths(count)
    // The gates open in an order that is never the input order, so the pages finish out of order.
    var order = Array((0..<count).shuffled(using: &random))
    if order == Array(0..<count) { order.reverse() }
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let browser = Browser()
      let urls = gatedURLs(paths, on: server)
      let returns = Returns()
      let fetching = Task { try await fetchAll(urls, using: returns.recording(browser.fetch)) }

      let allInFlight = await server.waitUntil({ $0.inFlight == count }, while: fetching)
      #expect(allInFlight, "the \(count) requests were never all in flight at once")
      // The next gate opens only once the page before it is back in fetchAll's hands (`Returns`).
      for index in order {
        server.openGate(gate(index))
        if allInFlight {
          #expect(await eventually({ returns.contains(urls[index]) }, while: fetching))
        }
      }

      let pages = try await value(of: fetching)
      #expect(pages.map(\.url) == urls, "the pages are not in the order of the URLs")
      #expect(pages.map(\.body) == paths.map { server.expectedBody(for: $0) }, "a page has the wrong body")
      #expect(server.statistics.startedRequests == count, "a URL was fetched more than once")
    }
  }

  // R07.5
  @Test("when one fetch fails, fetchAll throws its error and cancels every other fetch in flight")
  func fetchAllFailsFast() async throws {
    var random = WorkbookRandom()
    let held = random.documentPaths(random.int(in: 2...7))
    let status = random.int(in: 500...599)
    let failingPath = "/status/\(status)"
    let failingIndex = random.int(in: 0...held.count)
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let browser = Browser()
      // The held documents wait at a gate nobody opens: only cancelling them ends their requests.
      let heldURLs = held.map { server.url(for: "\($0)?gate=held") }
      let failingURL = server.url(for: "\(failingPath)?gate=fail")
      let urls = Array(heldURLs[..<failingIndex] + [failingURL] + heldURLs[failingIndex...])
      let fetching = Task { try await fetchAll(urls, using: browser.fetch) }

      guard await server.waitUntil({ $0.inFlight == urls.count }, while: fetching) else {
        Issue.record("the \(urls.count) requests were never all in flight at once")
        return try await finish(fetching, opening: ["held", "fail"], on: server)
      }
      server.openGate("fail")

      let outcome = await Liveness.result(of: fetching)
      #expect(
        error(in: outcome) as? HTTPStatusError == HTTPStatusError(url: failingURL, status: status),
        "fetchAll did not throw the failing page's error at once: \(describe(outcome))")
      let cancelled = await server.waitUntil { $0.cancelledPaths.count == held.count && $0.inFlight == 0 }
      #expect(cancelled, "the other fetches were not all cancelled: \(server.statistics.cancelledPaths)")
      #expect(server.statistics.cancelledPaths.sorted() == held.sorted())
      #expect(server.statistics.served(failingPath) == 1)
    }
  }

  // MARK: A sliding window

  // R07.6, R07.7
  @Test(
    "fetchAll(atMost: k) keeps exactly k requests in flight until the last ones, and returns pages in input order"
  )
  func windowKeepsKInFlight() async throws {
    var random = WorkbookRandom()
    let limit = random.int(in: 2...4)
    let count = limit + random.int(in: 2...5)
    let paths = random.documentPaths(count)
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      server.traceBound(.atMost, limit)
      let browser = Browser()
      let urls = gatedURLs(paths, on: server)
      let fetch = settled(browser.fetch, on: server)
      let fetching = Task { try await fetchAll(urls, atMost: limit, using: fetch) }

      // Each round waits for the window to fill, then lets one request in it through, picked at
      // random: the next URL's fetch must take its place, and no other may start.
      var served = 0
      while served < count {
        let window = min(limit, count - served)
        let started = served + window
        let full = await server.waitUntil(
          { $0.inFlight == window && $0.startedRequests == started }, while: fetching)
        let seen = server.statistics
        guard full else {
          Issue.record(
            "expected \(window) requests in flight and \(started) started, saw \(seen.inFlight) in flight and \(seen.startedRequests) started"
          )
          break
        }
        let waiting = (0..<count).filter { seen.started(paths[$0]) == 1 && seen.served(paths[$0]) == 0 }
        // The first page through is never the first URL's: pages in finishing order are never in
        // input order, whatever the later draws.
        let candidates = served == 0 ? waiting.filter { $0 != 0 } : waiting
        guard let next = candidates.randomElement(using: &random) else { break }
        server.openGate(gate(next))
        served += 1
        let total = served
        #expect(await server.waitUntil { $0.servedRequests == total })
      }
      // Lets every request through, whatever happened, so the code under test can finish.
      for index in 0..<count { server.openGate(gate(index)) }

      let pages = try await value(of: fetching)
      #expect(pages.map(\.url) == urls, "the pages are not in the order of the URLs")
      #expect(pages.map(\.body) == paths.map { server.expectedBody(for: $0) }, "a page has the wrong body")
      #expect(server.statistics.peakInFlight == limit, "the most requests in flight at once")
    }
  }

  // R07.8
  @Test(
    "when a fetch fails, fetchAll(atMost:) throws its error, cancels the others in flight and starts no more")
  func windowFailsFast() async throws {
    var random = WorkbookRandom()
    let limit = random.int(in: 2...4)
    let count = limit + random.int(in: 1...4)
    let status = random.int(in: 500...599)
    let failingPath = "/status/\(status)"
    let failingIndex = random.int(in: 0...(limit - 1))
    var paths = random.documentPaths(count - 1)
    paths.insert(failingPath, at: failingIndex)
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let browser = Browser()
      let urls = paths.enumerated().map { index, path in
        server.url(for: path + (index == failingIndex ? "?gate=fail" : "?gate=held"))
      }
      let fetching = Task { try await fetchAll(urls, atMost: limit, using: browser.fetch) }

      guard await server.waitUntil({ $0.inFlight == limit && $0.startedRequests == limit }, while: fetching)
      else {
        Issue.record(
          "the first \(limit) requests were never in flight together: \(server.statistics.summary)")
        return try await finish(fetching, opening: ["held", "fail"], on: server)
      }
      server.openGate("fail")

      let outcome = await Liveness.result(of: fetching)
      #expect(
        error(in: outcome) as? HTTPStatusError == HTTPStatusError(url: urls[failingIndex], status: status),
        "fetchAll(atMost:) did not throw the failing page's error at once: \(describe(outcome))")
      let heldInWindow = paths[..<limit].filter { $0 != failingPath }
      let cancelled = await server.waitUntil { $0.cancelledPaths.count == limit - 1 && $0.inFlight == 0 }
      #expect(
        cancelled, "the other fetches in flight were not all cancelled: \(server.statistics.cancelledPaths)")
      let seen = server.statistics
      #expect(seen.cancelledPaths.sorted() == heldInWindow.sorted())
      #expect(seen.startedRequests == limit, "a fetch started after the failure")
    }
  }

  // R07.9
  @Test(
    "cancelling the caller of fetchAll(atMost:) cancels the fetches in flight, starts no more and throws CancellationError"
  )
  func windowStopsWhenCancelled() async throws {
    var random = WorkbookRandom()
    let limit = random.int(in: 2...4)
    let count = limit + random.int(in: 1...4)
    let paths = random.documentPaths(count)
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let browser = Browser()
      let urls = paths.map { server.url(for: "\($0)?gate=held") }
      let fetching = Task { try await fetchAll(urls, atMost: limit, using: browser.fetch) }

      guard await server.waitUntil({ $0.inFlight == limit && $0.startedRequests == limit }, while: fetching)
      else {
        Issue.record(
          "the first \(limit) requests were never in flight together: \(server.statistics.summary)")
        return try await finish(fetching, opening: ["held"], on: server)
      }
      fetching.cancel()

      let outcome = await Liveness.result(of: fetching)
      #expect(
        error(in: outcome) is CancellationError,
        "a cancelled fetchAll(atMost:) did not throw CancellationError: \(describe(outcome))")
      let cancelled = await server.waitUntil { $0.cancelledPaths.count == limit && $0.inFlight == 0 }
      #expect(cancelled, "the fetches in flight were not all cancelled: \(server.statistics.cancelledPaths)")
      #expect(server.statistics.startedRequests == limit, "a fetch started after the cancellation")
    }
  }

  // R07.9, R07.10
  @Test(
    "a cancelled fetchAll(atMost:) whose fetches end anyway starts no more and throws CancellationError, not fewer pages"
  )
  func windowChecksCancellation() async throws {
    var random = WorkbookRandom()
    let limit = random.int(in: 2...4)
    let count = limit + random.int(in: 1...4)
    let urls = (0..<count).map { URL(string: "http://127.0.0.1/page/p\($0)")! }
    // These fetches talk to no server: each waits for the test's latch, which ignores cancellation,
    // and then returns a page, as a fetch does that notices the cancellation too late.
    let started = Tally()
    let latch = Latch()
    let fetch: Fetch = { url in
      started.add()
      await latch.wait()
      return Page(url: url, status: 200, body: Data(url.path.utf8))
    }
    let fetching = Task { try await fetchAll(urls, atMost: limit, using: fetch) }

    let full = await eventually({ started.value == limit }, while: fetching)
    fetching.cancel()
    latch.open()
    let outcome = await Liveness.result(of: fetching)

    #expect(full, "the first \(limit) fetches never started together (\(started.value) started)")
    #expect(
      error(in: outcome) is CancellationError,
      "a cancelled fetchAll(atMost:) did not throw CancellationError: \(describe(outcome))")
    #expect(started.value == limit, "\(started.value - limit) fetches started after the cancellation")
  }

  // R07.11
  @Test("fetchAll(atMost:) with a limit below 1 fetches one URL at a time, and every one of them")
  func windowBelowOne() async throws {
    var random = WorkbookRandom()
    let limit = random.int(in: -3...0)
    let urls = (0..<random.int(in: 2...6)).map { URL(string: "http://127.0.0.1/page/p\($0)")! }
    // The test's own count of the fetches under way: each one yields in the middle, so a window
    // of two or more would have them overlap.
    let running = Guarded((now: 0, most: 0))
    let fetch: Fetch = { url in
      running.withLock {
        $0.now += 1; $0.most = max($0.most, $0.now)
      }
      await Task.yield()
      running.withLock { $0.now -= 1 }
      return Page(url: url, status: 200, body: Data(url.path.utf8))
    }

    let pages = try await Liveness.value { try await fetchAll(urls, atMost: limit, using: fetch) }

    #expect(pages.map(\.url) == urls, "a limit of \(limit) must fetch every URL, one at a time")
    #expect(running.withLock { $0.most } == 1, "the most fetches under way at once, for a limit of \(limit)")
  }

  // MARK: An actor

  // R07.12
  @Test("FetchStatistics stays exact while many tasks record pages into it at once")
  func actorTotalsAreExact() async throws {
    var random = WorkbookRandom()
    let urls = (0..<random.int(in: 2...6)).map { URL(string: "http://127.0.0.1/page/p\($0)")! }
    let statuses = [200, 201, 202, 203]
    let batches = (0..<random.int(in: 8...16)).map { _ in
      (0..<random.int(in: 50...200)).map { _ in
        Page(
          url: urls[random.int(in: 0...(urls.count - 1))],
          status: statuses[random.int(in: 0...(statuses.count - 1))],
          body: Data(repeating: 0x61, count: random.int(in: 0...64)))
      }
    }
    let pages = batches.flatMap { $0 }
    let statistics = FetchStatistics()

    try await Liveness.value {
      await withTaskGroup(of: Void.self) { group in
        for batch in batches {
          group.addTask {
            for page in batch { await statistics.record(page) }
          }
        }
      }
    }

    #expect(await statistics.pageCount == pages.count)
    #expect(await statistics.totalBytes == pages.map(\.body.count).reduce(0, +))
    for url in urls {
      let expected = pages.filter { $0.url == url }.map(\.body.count).reduce(0, +)
      #expect(await statistics.bytes(from: url) == expected, "bytes from \(url)")
    }
    for status in statuses {
      let expected = pages.filter { $0.status == status }.count
      #expect(await statistics.pages(withStatus: status) == expected, "pages with status \(status)")
    }
  }

  // R07.12
  @Test(
    "pages fetched by a task group and recorded by each child add up, per URL and per status, to what the server sent"
  )
  func actorMatchesTheServer() async throws {
    var random = WorkbookRandom()
    let pathCount = random.int(in: 4...7)
    var pathSet: Set<String> = []
    while pathSet.count < pathCount {
      pathSet.insert(
        random.int(in: 0...1) == 0
          ? "/bytes/\(random.int(in: 1...5000))" : "/status/\(random.int(in: 200...203))")
    }
    let uniquePaths = pathSet.sorted()
    let times = uniquePaths.map { _ in random.int(in: 1...3) }
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let browser = Browser()
      let statistics = FetchStatistics()
      let fetches = zip(uniquePaths, times).flatMap { path, count in
        Array(repeating: server.url(for: path), count: count)
      }

      try await Liveness.value {
        try await withThrowingTaskGroup(of: Void.self) { group in
          for url in fetches {
            group.addTask { await statistics.record(try await browser.fetch(url)) }
          }
          try await group.waitForAll()
        }
      }

      var expectedByStatus: [Int: Int] = [:]
      for (path, count) in zip(uniquePaths, times) {
        let body = server.expectedBody(for: path) ?? Data()
        #expect(
          await statistics.bytes(from: server.url(for: path)) == count * body.count, "bytes from \(path)")
        expectedByStatus[server.expectedStatus(for: path) ?? 0, default: 0] += count
      }
      for (status, count) in expectedByStatus {
        #expect(await statistics.pages(withStatus: status) == count, "pages with status \(status)")
      }
      #expect(await statistics.pageCount == fetches.count)
      let totalBytes = zip(uniquePaths, times).map { path, count in
        count * (server.expectedBody(for: path)?.count ?? 0)
      }
      .reduce(0, +)
      #expect(await statistics.totalBytes == totalBytes)
    }
  }
}

// MARK: - Fixtures

/// A URLSession of the test's own, so no test shares a connection with another, and a `Fetch` through it.
final class Browser: Sendable {
  let session: URLSession

  init() {
    let configuration = URLSessionConfiguration.ephemeral
    // The default allows six connections to one host; some tests have eight requests in flight.
    configuration.httpMaximumConnectionsPerHost = 64
    session = URLSession(configuration: configuration)
  }

  deinit {
    session.invalidateAndCancel()
  }

  /// Fetches with `fetchPage(_:in:)`, the chapter's own.
  var fetch: Fetch {
    { [session] url in try await fetchPage(url, in: session) }
  }
}

/// Which fetches have returned their page to the code under test: the client's side of an answer.
///
/// A test that makes pages finish in an order waits for this, not for the server to count a page
/// served: two answers the server has sent may still reach the client in either order, on a busy
/// machine.
final class Returns: Sendable {
  private let urls = Mutex<Set<URL>>([])

  /// `fetch`, noting each URL once its page is back.
  func recording(_ fetch: @escaping Fetch) -> Fetch {
    { url in
      let page = try await fetch(url)
      self.urls.withLock { _ = $0.insert(url) }
      return page
    }
  }

  /// Whether the fetch of `url` has returned its page.
  func contains(_ url: URL) -> Bool { urls.withLock { $0.contains(url) } }
}

/// A gate for tasks that, unlike URLSession, ignores cancellation: `wait()` returns only once
/// `open()` has been called.
final class Latch: Sendable {
  private let state = Mutex((isOpen: false, waiters: [CheckedContinuation<Void, Never>]()))

  /// Suspends until the latch is open.
  func wait() async {
    await withCheckedContinuation { continuation in
      let isOpen = state.withLock { state in
        if !state.isOpen { state.waiters.append(continuation) }
        return state.isOpen
      }
      if isOpen { continuation.resume() }
    }
  }

  /// Opens the latch: every waiting task goes on, and every later `wait()` returns at once.
  func open() {
    let waiters = state.withLock { state in
      state.isOpen = true
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume() }
  }
}

/// The gate of the URL at `index` in `gatedURLs(_:on:)`.
func gate(_ index: Int) -> String { "g\(index)" }

/// The URLs of `paths`, each held at a gate of its own until the test opens it.
func gatedURLs(_ paths: [String], on server: FixtureServer) -> [URL] {
  paths.enumerated().map { index, path in server.url(for: "\(path)?gate=\(gate(index))") }
}

/// A fetch that returns only once the server has counted its request as served.
///
/// The server counts a request as ended a moment after the client has its answer, and by then the
/// code under test may have started the next fetch: for that moment, the server would count one
/// request too many in flight. Waiting here keeps the server's counts exact.
func settled(_ fetch: @escaping Fetch, on server: FixtureServer) -> Fetch {
  { url in
    let page = try await fetch(url)
    let path = url.path
    _ = await server.waitUntil { $0.served(path) >= 1 }
    return page
  }
}

/// The error a test throws when the code under test is still running at the liveness deadline.
struct StillRunning: Error, CustomStringConvertible {
  var description: String { "still running after \(Liveness.deadline.timeInterval) s: a hang" }
}

/// The value of `task`; throws `StillRunning` (and cancels the task) if it hangs.
func value<Success: Sendable>(of task: Task<Success, any Error>) async throws -> Success {
  guard let result = await Liveness.result(of: task) else { throw StillRunning() }
  return try result.get()
}

/// Opens `gates`, so the code under test can finish whatever it is waiting for, and rethrows its error.
///
/// A test calls this when the requests it waits for never came: the code under test threw early
/// (as a skeleton does) or made its requests differently. Its error, if any, says which.
func finish<Success: Sendable>(
  _ task: Task<Success, any Error>, opening gates: [String], on server: FixtureServer
) async throws {
  for gate in gates { server.openGate(gate) }
  _ = try await value(of: task)
}

extension FixtureServer {
  /// Waits until `condition` holds, like `waitUntil(_:)`, but gives up as soon as `task` has finished.
  ///
  /// The code under test runs in `task`: once it has returned or thrown, no request of its own
  /// will start, and waiting on to the deadline would only make the failure slower.
  func waitUntil<Success: Sendable>(
    _ condition: @escaping @Sendable (Statistics) -> Bool,
    while task: Task<Success, any Error>
  ) async -> Bool {
    let waiter = Task { await waitUntil(condition) }
    let watcher = Task {
      _ = await task.result
      waiter.cancel()
    }
    let held = await waiter.value
    watcher.cancel()
    return held
  }
}

extension FixtureServer.Statistics {
  /// The counts a failure message needs.
  var summary: String { "\(startedRequests) started, \(inFlight) in flight, \(servedRequests) served" }
}
