import ConcurrentScraper
import ConcurrentScraperGiven
import FixtureServer
import Foundation
import Testing
import WorkbookSupport
import WorkbookTestSupport

@Suite("Chapter 5 · Concurrent scraper", .timeline)
struct ConcurrentScraperTests {
  // R05.1, R05.2
  @Test("fetchPage(_:timeout:) records the status, the body and the time of one fetch")
  func fetchPageRecordsOneFetch() throws {
    var random = WorkbookRandom()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let path = random.documentPath()
      let url = server.url(for: path)
      let fetching = BackgroundCall { fetchPage(url, timeout: patience) }
      let result = try #require(fetching.result(), "fetchPage never returned").get()

      let page = try #require(result.page, "fetchPage gave \(result) for \(path), not a page")
      #expect(page.status == server.expectedStatus(for: path), "the status of \(path)")
      #expect(page.body == server.expectedBody(for: path), "the body of \(path)")
      #expect(page.contentLength == server.expectedBody(for: path)?.count, "the length of \(path)")
      #expect(page.elapsed >= .zero, "the elapsed time is negative: read the clock before the fetch")
      #expect(server.waitUntil { $0.served(path) == 1 }, "\(path) was not fetched exactly once")
    }
  }

  // R05.7, R05.8
  @Test("scrape(_:) has every request in flight at the same time: one thread per URL")
  func everyFetchOverlaps() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...8)
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      server.traceBound(.together, count)
      let (_, urls, notTogether, results) = try scrapeBehindOneGate(count, random: &random, server: server)

      if let notTogether { Issue.record(Comment(rawValue: notTogether)) }
      try #require(Set(results.keys) == Set(urls), "scrape must return one entry for each URL it was given")
      #expect(server.waitUntil { $0.servedRequests == count }, "every URL is fetched once")
      #expect(server.statistics.peakInFlight == count)
    }
  }

  // R05.6
  @Test("every result holds the status, the body and the length the server sent for its own URL")
  func everyResultIsRight() throws {
    var random = WorkbookRandom()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let paths = random.mixedPaths(random.int(in: 5...12))
      let urls = paths.map { server.url(for: $0) }

      let scraping = BackgroundCall { scrape(urls, timeout: patience) }
      let results = try #require(scraping.result(), "scrape never returned").get()

      try #require(
        results.count == urls.count, "scrape returned \(results.count) entries for \(urls.count) URLs")
      for (path, url) in zip(paths, urls) {
        let page = try #require(results[url]?.page, "\(path) gave \(describe(results[url]))")
        #expect(page.status == server.expectedStatus(for: path), "the status of \(path)")
        #expect(page.body == server.expectedBody(for: path), "the body of \(path)")
        #expect(page.contentLength == server.expectedBody(for: path)?.count, "the length of \(path)")
        #expect(page.elapsed >= .zero, "the elapsed time of \(path) is negative")
      }
    }
  }

  // R05.6, R05.7, R05.9
  @Test("dozens of threads recording at the same moment lose no result")
  func noResultIsLost() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 30...50)
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let (paths, urls, notTogether, results) = try scrapeBehindOneGate(
        count, random: &random, server: server)

      if let notTogether { Issue.record(Comment(rawValue: notTogether)) }
      try #require(results.count == count, "\(count - results.count) of \(count) results went missing")
      for (path, url) in zip(paths, urls) {
        #expect(results[url]?.page?.body == server.expectedBody(for: path), "the result of \(path)")
      }
    }
  }

  // R05.3
  @Test("a status like 503 is a result with that status and its body, not an error entry")
  func errorStatusesAreResults() throws {
    var random = WorkbookRandom()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let paths =
        (0..<random.int(in: 2...5)).map { _ in "/status/\(random.int(in: 400...599))" }
        + random.documentPaths(1)
      let urls = paths.map { server.url(for: $0) }

      let scraping = BackgroundCall { scrape(urls, timeout: patience) }
      let results = try #require(scraping.result(), "scrape never returned").get()

      for (path, url) in zip(paths, urls) {
        let page = try #require(results[url]?.page, "\(path) gave \(describe(results[url]))")
        #expect(page.status == server.expectedStatus(for: path), "the status of \(path)")
        #expect(page.body == server.expectedBody(for: path), "the body of \(path)")
      }
    }
  }

  // R05.4, R05.6
  @Test("a refused or dropped connection becomes an error entry, and every other URL still gets its page")
  func failedConnectionsAreEntries() throws {
    var random = WorkbookRandom()
    let refusing = try RefusingPort()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let refusedURL = refusing.url(for: "/doc/\(random.int(in: 1...99))")
      let droppedURL = server.url(for: "/drop")
      let paths = random.documentPaths(random.int(in: 2...6))
      let goodURLs = paths.map { server.url(for: $0) }
      let urls = (goodURLs + [refusedURL, droppedURL]).shuffled(using: &random)

      let scraping = BackgroundCall { scrape(urls, timeout: patience) }
      let results = try #require(scraping.result(), "scrape never returned").get()

      try #require(
        results.count == urls.count, "scrape returned \(results.count) entries for \(urls.count) URLs")
      #expect(results[refusedURL] == .failure(.connectionRefused), "the URL nothing listens at")
      #expect(results[droppedURL]?.failure != nil, "/drop closes without an answer: an error entry")
      for (path, url) in zip(paths, goodURLs) {
        #expect(results[url]?.page?.body == server.expectedBody(for: path), "the result of \(path)")
      }
    }
  }

  // R05.4
  @Test("a request that outlasts the timeout becomes a timedOut entry, and the scraper hangs up on it")
  func timeoutsAreEntries() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 1...3)
    let timeout = Duration.milliseconds(random.int(in: 200...600))
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      // `/hang` never answers; a query makes each URL a key of its own.
      let urls = (0..<count).map { server.url(for: "/hang?n=\($0)") }

      let scraping = BackgroundCall { scrape(urls, timeout: timeout) }
      let results = try #require(scraping.result(), "scrape never returned").get()

      try #require(results.count == count, "scrape returned \(results.count) entries for \(count) URLs")
      for url in urls {
        #expect(results[url] == .failure(.timedOut), "\(url.absoluteString) never answers")
      }
      // Every request that reached the server must end as cancelled: the client hung up on it.
      // (On a busy machine a request may still be on its way when its time is up.)
      let hungUp = server.waitUntil { $0.inFlight == 0 && $0.cancelledPaths.count == $0.started("/hang") }
      let seen = server.statistics
      #expect(
        hungUp,
        "\(seen.started("/hang")) requests reached the server, \(seen.cancelledPaths.count) were given up")
    }
  }
}

// MARK: - Fixtures

/// Scrapes `count` documents that one gate holds, and opens it once all are in flight.
///
/// Every request waits at the gate, so all of them are in flight at once only if every thread is
/// running before any has been answered; the answers then arrive together, and `fetch` returns
/// on every thread only once all have theirs (`FetchRendezvous`), so the threads all record their
/// results at once, with nothing between them: an unlocked dictionary races every run, and the
/// race check (ThreadSanitizer) sees it every run. When they never are all in flight,
/// `notTogether` says why, in the student's words.
private func scrapeBehindOneGate(
  _ count: Int, random: inout WorkbookRandom, server: FixtureServer
) throws -> (paths: [String], urls: [URL], notTogether: String?, results: [URL: ScrapeResult]) {
  let gate = random.name()
  let paths = random.documentPaths(count)
  let urls = paths.map { server.url(for: "\($0)?gate=\(gate)") }
  FetchRendezvous.expect(count, at: gate)
  defer { FetchRendezvous.open(gate) }
  // The thread that calls `scrape` gets a name of its own, which the threads it starts inherit:
  // the test can count them while their requests wait at the gate.
  let caller = "wb-scrape-\(random.int(in: 10_000...99_999))"
  let scraping = BackgroundCall {
    nameCurrentThread(caller)
    return scrape(urls, timeout: patience)
  }
  let overlapped = scraping.waitWhileRunning { server.waitUntil(inFlight: count, timeout: $0) }
  let notTogether =
    overlapped
    ? nil
    : whyNotAllInFlight(
      count, peak: server.statistics.peakInFlight, lockWaiters: ThreadActivity.mostThreadsWaitingForOneLock(),
      threads: threadsNamed(caller).map { max(0, $0 - 1) })
  // Fetches that were not all in flight at once may never all arrive: they go on one by one.
  if !overlapped { FetchRendezvous.open(gate) }
  server.openGate(gate)
  let results = try #require(scraping.result(), "scrape never returned").get()
  return (paths, urls, notTogether, results)
}

/// Why `count` requests held at one gate were never all in flight at once: the cause when the test
/// saw it, else the likely causes, most likely first.
///
/// `peak` is the most requests the server had in flight; `lockWaiters`, the most threads of the
/// process asleep on one lock then; `threads`, how many threads the caller of `scrape` had started
/// and were still alive then (every one is, while its request waits at the gate). Either is `nil`
/// where the system can't tell; a thread that names itself is not counted, so 0 proves nothing.
private func whyNotAllInFlight(_ count: Int, peak: Int, lockWaiters: Int?, threads: Int?) -> String {
  let threads = threads ?? 0
  let waiting = lockWaiters ?? 0
  if peak >= 1 && waiting >= 2 && waiting >= count - peak {
    return """
      the requests ran \(peak == 1 ? "one at a time" : "at most \(peak) at a time") although \(peak + waiting) \
      threads were running, \(waiting) of them waiting for one lock: is the fetch made while holding the \
      lock? Fetch first, then lock only to store the entry (R05.8, lesson: "Sharing the results")
      """
  }
  if threads > 0 && threads == peak {
    return """
      only \(threads) of the \(count) threads had started while the first requests waited for their \
      answers: does scrape wait for each thread before it starts the next? Start every thread, then wait \
      for all of them (R05.7, lesson: "Starting and joining the threads")
      """
  }
  return """
    the \(count) requests were never all in flight at once (at most \(peak)). Likely causes, most likely \
    first: scrape waits for each thread before it starts the next (R05.7, lesson: "Starting and joining \
    the threads"); the fetch is made while holding the lock (R05.8, lesson: "Sharing the results"); the \
    fetches run on the thread that called scrape instead of a thread per URL
    """
}

/// The timeout for requests that must not time out: a gate may hold them while the test works.
private let patience = Duration.seconds(60)

/// An entry as a failure message shows it.
private func describe(_ entry: ScrapeResult?) -> String {
  entry.map { "\($0)" } ?? "no entry"
}

extension ScrapeResult {
  fileprivate var page: Page? {
    if case .page(let page) = self { page } else { nil }
  }

  fileprivate var failure: FetchError? {
    if case .failure(let error) = self { error } else { nil }
  }
}

extension WorkbookRandom {
  /// Up to `count` different paths that answer at once with status 200: documents, pages and bytes.
  fileprivate mutating func mixedPaths(_ count: Int) -> [String] {
    let paths = (0..<count).map { index in
      switch int(in: 0...2) {
      case 0: "/doc/\(int(in: 1...9_999))"
      case 1: "/page/\(name())\(index)"
      default: "/bytes/\(int(in: 0...50_000))"
      }
    }
    var seen = Set<String>()
    return paths.filter { seen.insert($0).inserted }
  }
}
