import FixtureServer
import Foundation
import Testing
import WorkbookTestSupport

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

@Suite("Fixture server")
struct FixtureServerTests {
  @Test("it listens on 127.0.0.1 at a port the kernel picked, which a second server cannot take")
  func listensOnAFreeLoopbackPort() throws {
    var random = WorkbookRandom()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      #expect(server.isRunning)
      #expect((1...65535).contains(server.port))
      #expect(server.baseURL.absoluteString == "http://127.0.0.1:\(server.port)")
      #expect(
        server.url(for: "/doc/3?delay=5").absoluteString == "http://127.0.0.1:\(server.port)/doc/3?delay=5")

      let client = try RawClient(port: server.port)
      try client.request("/")
      let index = try client.readResponse().text
      for route in FixtureServer.routes {
        #expect(index.contains(route.pattern), "the route list at / leaves out \(route.pattern)")
      }

      #expect(throws: FixtureServerError.self, "a second server bound the same port") {
        try FixtureServer(.init(port: UInt16(server.port))).start()
      }
      #expect(throws: FixtureServerError.self, "a running server started again") { try server.start() }
    }
  }

  @Test("every route answers URLSession with the status and body the server predicts for it")
  func routesAnswerAsPredicted() async throws {
    var random = WorkbookRandom()
    let name = random.word(length: 4...10)
    let paths = [
      "/",
      "/page/\(name)",
      "/page/\(name)?delay=\(random.int(in: 1...30))",
      "/delay/\(random.int(in: 0...30))",
      "/status/\(random.int(in: 200...299))",
      "/status/\(random.int(in: 400...599))",
      "/status/204",
      "/bytes/\(random.int(in: 0...300_000))",
      "/doc/\(random.int(in: 1...999))",
      "/gate/\(random.word(length: 4...10))",
      "/no/such/\(random.word(length: 4...10))",
    ]
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      for path in paths where path.hasPrefix("/gate/") {
        server.openGate(String(path.dropFirst("/gate/".count)))
      }
      let session = URLSession(configuration: .ephemeral)
      defer { session.finishTasksAndInvalidate() }
      for path in paths {
        let (status, body) = try await fetch(server.url(for: path), in: session)
        #expect(status == server.expectedStatus(for: path), "status of \(path)")
        #expect(body == server.expectedBody(for: path), "body of \(path)")
      }
      // The server counts a request once the response is written, which may be after the client read it.
      let count = paths.count
      #expect(await server.waitUntil { $0.servedRequests == count })
      let expected = Dictionary(paths.map { (String($0.prefix { $0 != "?" }), 1) }, uniquingKeysWith: +)
      #expect(server.statistics.servedByPath == expected)
      #expect(server.statistics.cancelledPaths.isEmpty)
    }
  }

  @Test("bodies follow the seed: one seed gives the same bodies every start, another seed new ones")
  func bodiesFollowTheSeed() throws {
    var random = WorkbookRandom()
    let seed = random.next()
    let paths = [
      "/page/\(random.word(length: 4...10))", "/doc/\(random.int(in: 1...999))",
      "/bytes/\(random.int(in: 64...4096))",
      "/status/\(random.int(in: 400...599))",
    ]
    let first = try bodies(of: paths, seed: seed)
    let again = try bodies(of: paths, seed: seed)
    let other = try bodies(of: paths, seed: ~seed)
    #expect(first == again, "the same seed gave different bodies")
    for (index, path) in paths.enumerated() {
      #expect(first[index] != other[index], "\(path) did not change with the seed")
    }
  }

  @Test("a delayed page is answered with its body, never before its delay has passed")
  func delayedPageWaits() throws {
    var random = WorkbookRandom()
    let milliseconds = random.int(in: 20...120)
    let paths = ["/delay/\(milliseconds)", "/doc/\(random.int(in: 1...999))?delay=\(milliseconds)"]
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let client = try RawClient(port: server.port)
      for path in paths {
        let sent = ContinuousClock.now
        try client.request(path)
        let response = try client.readResponse()
        // A lower bound only: a busy machine can make the wait longer, never shorter.
        #expect(ContinuousClock.now - sent >= .milliseconds(milliseconds), "\(path) answered early")
        #expect(Data(response.body) == server.expectedBody(for: path))
      }
    }
  }

  @Test("requests held by a delay or a gate hold up no other connection, and the gate releases its request")
  func heldRequestsHoldUpNoOne() throws {
    var random = WorkbookRandom()
    let gate = random.word(length: 4...10)
    let delayedPath = "/delay/600000"
    let gatedPath = "/doc/\(random.int(in: 1...999))"
    let pagePath = "/page/\(random.word(length: 4...10))"
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let delayed = try RawClient(port: server.port)
      try delayed.request(delayedPath)
      let gated = try RawClient(port: server.port)
      try gated.request(gatedPath + "?gate=" + gate)
      #expect(server.waitUntil(inFlight: 2))

      let other = try RawClient(port: server.port)
      try other.request(pagePath)
      #expect(Data(try other.readResponse().body) == server.expectedBody(for: pagePath))
      #expect(server.waitUntil { $0.served(pagePath) == 1 })
      #expect(server.statistics.inFlight == 2, "the delayed and the gated request are still waiting")

      server.openGate(gate)
      #expect(Data(try gated.readResponse().body) == server.expectedBody(for: gatedPath))
      delayed.close()
      #expect(server.waitUntil { $0.cancelledPaths == [delayedPath] && $0.inFlight == 0 })
      #expect(server.statistics.served(delayedPath) == 0)
      #expect(server.statistics.served(gatedPath) == 1)
    }
  }

  @Test("one kept-alive connection serves request after request, pipelined and HEAD requests too")
  func keepAliveServesManyRequests() throws {
    var random = WorkbookRandom()
    let paths = (0..<random.int(in: 3...8)).map { _ in random.path() }
    let pipelined = (0..<random.int(in: 2...5)).map { _ in random.path() }
    let headPath = "/doc/\(random.int(in: 1...999))"
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let client = try RawClient(port: server.port)
      for path in paths {
        try client.request(path)
        let response = try client.readResponse()
        #expect(response.status == server.expectedStatus(for: path))
        #expect(Data(response.body) == server.expectedBody(for: path), "body of \(path)")
        #expect(response.fields["connection"] == "keep-alive")
      }

      try client.request(headPath, method: "HEAD")
      let head = try client.readResponse(isHead: true)
      #expect(head.fields["content-length"] == "\(server.expectedBody(for: headPath)?.count ?? -1)")

      // All the requests in one write: the server must answer them in order, one at a time.
      try client.send(pipelined.map { RawClient.head($0) }.joined())
      for path in pipelined {
        #expect(Data(try client.readResponse().body) == server.expectedBody(for: path), "pipelined \(path)")
      }

      let total = paths.count + 1 + pipelined.count
      #expect(server.waitUntil { $0.servedRequests == total })
      #expect(server.statistics.acceptedConnections == 1, "the requests did not share one connection")
    }
  }

  @Test(
    "Connection: close and HTTP/1.0 end the connection after the response, keep-alive keeps it open",
    arguments: [
      ConnectionCase(version: "HTTP/1.1", field: "Connection: close", keepsOpen: false),
      ConnectionCase(version: "HTTP/1.0", field: nil, keepsOpen: false),
      ConnectionCase(version: "HTTP/1.1", field: nil, keepsOpen: true),
      ConnectionCase(version: "HTTP/1.0", field: "Connection: keep-alive", keepsOpen: true),
    ])
  func connectionFieldDecidesTheClose(_ connection: ConnectionCase) throws {
    var random = WorkbookRandom()
    let path = random.path()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let client = try RawClient(port: server.port)
      try client.request(path, version: connection.version, fields: connection.field.map { [$0] } ?? [])
      let response = try client.readResponse()
      #expect(Data(response.body) == server.expectedBody(for: path))
      if connection.keepsOpen {
        #expect(response.fields["connection"] == "keep-alive")
        try client.request(path, version: connection.version, fields: connection.field.map { [$0] } ?? [])
        #expect(Data(try client.readResponse().body) == server.expectedBody(for: path))
      } else {
        #expect(response.fields["connection"] == "close")
        #expect(try client.readUntilClosed().isEmpty, "bytes after a response that closes the connection")
      }
    }
  }

  @Test("300 connections are in flight at once, then every one is answered")
  func threeHundredConnectionsAtOnce() throws {
    var random = WorkbookRandom()
    let count = 300
    let gate = random.word(length: 4...10)
    let first = random.int(in: 1...1_000_000)
    let paths = (first..<first + count).map { "/doc/\($0)" }
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let clients = try paths.map { path in
        let client = try RawClient(port: server.port)
        try client.request(path + "?gate=" + gate)
        return client
      }
      #expect(server.waitUntil(inFlight: count))
      let held = server.statistics
      #expect(held.inFlight == count)
      #expect(held.liveConnections == count)
      #expect(held.liveThreads == count + 1, "one thread per connection and the accept thread")

      server.openGate(gate)
      let wrong = try zip(clients, paths).filter { client, path in
        Data(try client.readResponse().body) != server.expectedBody(for: path)
      }
      #expect(wrong.isEmpty, "\(wrong.count) of \(count) responses had the wrong body")
      #expect(server.waitUntil { $0.inFlight == 0 })
      #expect(server.statistics.peakInFlight == count)
      #expect(server.statistics.servedRequests == count)
    }
  }

  @Test(
    "a request head the server refuses gets its error status, then the connection closes", arguments: refusals
  )
  func refusedHeadsCloseTheConnection(_ refusal: Refusal) throws {
    var random = WorkbookRandom()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let client = try RawClient(port: server.port)
      try client.send(refusal.head)
      let response = try client.readResponse()
      #expect(response.status == refusal.status)
      #expect(response.fields["connection"] == "close")
      #expect(try client.readUntilClosed().isEmpty)
      #expect(server.waitUntil { $0.rejectedRequests == 1 })
      #expect(server.statistics.startedRequests == 0)
    }
  }

  @Test("a request head over the size limit gets 431, one within the limit is served")
  func oversizedHeadGets431() throws {
    var random = WorkbookRandom()
    let path = "/page/\(random.word(length: 4...10))"
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let limit = server.configuration.maximumHeadBytes
      let within = try RawClient(port: server.port)
      // The limit itself is within: a head of exactly `limit` bytes is served.
      for total in [limit - random.int(in: 1...500), limit] {
        try within.send(head(for: path, totalling: total))
        #expect(
          Data(try within.readResponse().body) == server.expectedBody(for: path), "a \(total)-byte head")
      }

      let over = try RawClient(port: server.port)
      try over.send(head(for: path, totalling: limit + random.int(in: 1...30_000)))
      let refused = try over.readResponse()
      #expect(refused.status == 431)
      #expect(try over.readUntilClosed().isEmpty)
      #expect(server.waitUntil { $0.rejectedRequests == 1 && $0.served(path) == 2 })
    }
  }

  @Test("a kept-alive connection left idle is closed once the idle timeout passes")
  func idleConnectionsAreClosed() throws {
    var random = WorkbookRandom()
    let path = random.path()
    let idleTimeout = Duration.milliseconds(random.int(in: 50...250))
    try FixtureServer.withRunning(.init(seed: random.next(), idleTimeout: idleTimeout)) { server in
      let used = try RawClient(port: server.port)
      try used.request(path)
      #expect(try used.readResponse().fields["connection"] == "keep-alive")
      let silent = try RawClient(port: server.port)
      // Each read returns only when the server closes; a server that never does fails with a timeout.
      #expect(try used.readUntilClosed().isEmpty)
      #expect(try silent.readUntilClosed().isEmpty)
      #expect(server.waitUntil { $0.idleTimeouts == 2 && $0.liveConnections == 0 })
    }
  }

  @Test("/drop closes the connection without a byte of answer, which URLSession reports as an error")
  func dropClosesWithoutAnAnswer() async throws {
    var random = WorkbookRandom()
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let client = try RawClient(port: server.port)
      try client.request("/drop")
      #expect(try client.readUntilClosed().isEmpty)
      #expect(await server.waitUntil { $0.served("/drop") == 1 })

      let session = URLSession(configuration: .ephemeral)
      defer { session.finishTasksAndInvalidate() }
      await #expect(throws: (any Error).self) { try await fetch(server.url(for: "/drop"), in: session) }
      #expect(server.statistics.cancelledPaths.isEmpty)
    }
  }

  @Test("a request for /hang stays in flight until its client hangs up, then counts as cancelled")
  func hangLastsUntilTheClientLeaves() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 1...5)
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let clients = try (0..<count).map { _ in
        let client = try RawClient(port: server.port)
        try client.request("/hang")
        return client
      }
      #expect(server.waitUntil(inFlight: count))
      for client in clients { client.close() }
      #expect(server.waitUntil { $0.cancelledPaths.count == count && $0.inFlight == 0 })
      #expect(server.statistics.cancelledPaths == Array(repeating: "/hang", count: count))
      #expect(server.statistics.served("/hang") == 0)
    }
  }

  @Test("cancelling the task of a URLSession fetch closes its connection, and the server counts it cancelled")
  func urlSessionCancellationIsCounted() async throws {
    var random = WorkbookRandom()
    let path = random.int(in: 0...1) == 0 ? "/hang" : "/delay/600000"
    try await FixtureServer.withRunning(.init(seed: random.next())) { server in
      let session = URLSession(configuration: .ephemeral)
      defer { session.finishTasksAndInvalidate() }
      let url = server.url(for: path)
      let fetching = Task { try await fetch(url, in: session) }
      #expect(await server.waitUntil(inFlight: 1))
      fetching.cancel()
      await #expect(throws: (any Error).self) { try await fetching.value }
      #expect(await server.waitUntil { $0.cancelledPaths == [path] && $0.inFlight == 0 })
    }
  }

  @Test("a client that hangs up in the middle of a large body counts as cancelled, and the server serves on")
  func hangingUpMidBodyIsCancelled() throws {
    var random = WorkbookRandom()
    let path = "/bytes/\(random.int(in: (8 << 20)...(16 << 20)))"
    let page = random.path()
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      // A small receive buffer keeps most of the body in the server's hands when the client leaves.
      let leaving = try RawClient(port: server.port, receiveBufferSize: 64 * 1024)
      try leaving.request(path)
      #expect(try leaving.readSome(4096) > 0, "the response never began")
      // Closing with unread bytes resets the connection: the server's next write fails, without SIGPIPE.
      leaving.close()
      #expect(server.waitUntil { $0.cancelledPaths == [path] && $0.inFlight == 0 })

      let staying = try RawClient(port: server.port)
      try staying.request(page)
      #expect(Data(try staying.readResponse().body) == server.expectedBody(for: page))
    }
  }

  @Test("in-flight and peak counts are exact, and resetStatistics() starts the peak from what is in flight")
  func inFlightAndPeakAreExact() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 2...12)
    let laterCount = random.int(in: 1...(count - 1))
    let (firstGate, secondGate) = (random.word(length: 4...10), random.word(length: 4...10) + "2")
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      let first = try requests(count, through: firstGate, on: server)
      #expect(server.waitUntil(inFlight: count))
      var seen = server.statistics
      #expect(seen.inFlight == count)
      #expect(seen.peakInFlight == count)
      #expect(seen.startedRequests == count)
      #expect(seen.servedRequests == 0)
      server.openGate(firstGate)
      for client in first { _ = try client.readResponse() }
      #expect(server.waitUntil { $0.inFlight == 0 })
      seen = server.statistics
      #expect(seen.peakInFlight == count, "the peak dropped when the requests ended")
      #expect(seen.servedRequests == count)

      server.resetStatistics()
      seen = server.statistics
      #expect(seen.peakInFlight == 0)
      #expect(seen.startedRequests == 0)
      #expect(seen.servedByPath.isEmpty)

      let later = try requests(laterCount, through: secondGate, on: server)
      #expect(server.waitUntil(inFlight: laterCount))
      server.resetStatistics()
      #expect(server.statistics.peakInFlight == laterCount, "the peak after a reset forgot what is in flight")
      server.openGate(secondGate)
      for client in later { _ = try client.readResponse() }
      #expect(server.waitUntil { $0.inFlight == 0 })
      #expect(server.statistics.peakInFlight == laterCount)
      #expect(server.statistics.servedRequests == laterCount)
    }
  }

  @Test("shutdown() closes every connection, ends every waiting request and joins every thread")
  func shutdownLeavesNothingBehind() throws {
    var random = WorkbookRandom()
    let waitingPaths = [
      "/hang", "/gate/\(random.word(length: 4...10))", "/delay/600000",
      "/doc/3?gate=\(random.word(length: 4...10))",
    ]
    let server = FixtureServer(.init(seed: random.next()))
    try server.start()
    // Stops the server should an expectation below throw before the shutdown under test.
    defer { server.shutdown() }

    let idle = try RawClient(port: server.port)
    let used = try RawClient(port: server.port)
    try used.request(random.path())
    _ = try used.readResponse()
    let waiting = try waitingPaths.map { path in
      let client = try RawClient(port: server.port)
      try client.request(path)
      return client
    }
    let connections = waiting.count + 2
    // Counting started requests too: the first request may count as in flight a moment after its answer.
    #expect(
      server.waitUntil {
        $0.startedRequests == waiting.count + 1 && $0.inFlight == waiting.count
          && $0.liveConnections == connections
      })
    #expect(server.statistics.liveThreads == connections + 1)

    #expect(runOnTestThreads(1) { _ in server.shutdown() }, "shutdown() did not return")
    let after = server.statistics
    #expect(after.liveThreads == 0)
    #expect(after.liveConnections == 0)
    #expect(after.inFlight == 0)
    #expect(after.cancelledPaths.isEmpty, "requests ended by the shutdown were counted as cancelled")
    #expect(!server.isRunning)
    for client in [idle, used] + waiting {
      #expect(try client.readUntilClosed().isEmpty)
    }
    #expect(runOnTestThreads(1) { _ in server.shutdown() }, "a second shutdown() did not return")
  }

  @Test("withRunning shuts the server down also when its body throws")
  func withRunningShutsDownOnThrow() async throws {
    var random = WorkbookRandom()
    let seed = random.next()
    var captured: FixtureServer?
    #expect(throws: Interrupted.self) {
      try FixtureServer.withRunning(.init(seed: seed)) { server in
        captured = server
        let client = try RawClient(port: server.port)
        try client.request("/hang")
        #expect(server.waitUntil(inFlight: 1))
        throw Interrupted()
      }
    }
    let server = try #require(captured)
    #expect(!server.isRunning)
    #expect(server.statistics.liveThreads == 0)
    #expect(server.statistics.liveConnections == 0)

    let capturedAsync = Captured()
    await #expect(throws: Interrupted.self) {
      try await FixtureServer.withRunning(.init(seed: seed)) { server in
        capturedAsync.server = server
        #expect(await server.waitUntil { $0.liveThreads == 1 })
        throw Interrupted()
      }
    }
    let asyncServer = try #require(capturedAsync.server)
    #expect(!asyncServer.isRunning)
    #expect(asyncServer.statistics.liveThreads == 0)
  }

  @Test("two servers run at once on ports of their own, each counting only its own requests")
  func twoServersAtOnce() throws {
    var random = WorkbookRandom()
    let seed = random.next()
    let path = "/doc/\(random.int(in: 1...999))"
    let (firstCount, secondCount) = (random.int(in: 1...5), random.int(in: 1...5))
    try FixtureServer.withRunning(.init(seed: seed)) { first in
      try FixtureServer.withRunning(.init(seed: ~seed)) { second in
        #expect(first.port != second.port)
        #expect(first.expectedBody(for: path) != second.expectedBody(for: path))
        for (server, count) in [(first, firstCount), (second, secondCount)] {
          let client = try RawClient(port: server.port)
          for _ in 0..<count {
            try client.request(path)
            #expect(Data(try client.readResponse().body) == server.expectedBody(for: path))
          }
        }
        #expect(first.waitUntil { $0.servedRequests == firstCount })
        #expect(second.waitUntil { $0.servedRequests == secondCount })
        #expect(first.statistics.servedByPath == [path: firstCount])
        #expect(second.statistics.servedByPath == [path: secondCount])
      }
    }
  }
}

// MARK: - Fixtures

/// A request version and `Connection` field, and whether the server keeps the connection open after it.
struct ConnectionCase: Sendable, CustomTestStringConvertible {
  var version: String
  var field: String?
  var keepsOpen: Bool

  var testDescription: String { "\(version) \(field ?? "without a Connection field")" }
}

/// A request head the server refuses, and the status it refuses it with.
struct Refusal: Sendable, CustomTestStringConvertible {
  var reason: String
  var head: String
  var status: Int

  var testDescription: String { "\(reason): \(status)" }
}

let refusals = [
  Refusal(reason: "not HTTP at all", head: "HELLO THERE\r\n\r\n", status: 400),
  Refusal(reason: "no version", head: "GET /page/a\r\nHost: 127.0.0.1\r\n\r\n", status: 400),
  Refusal(reason: "a target without /", head: "GET page/a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", status: 400),
  Refusal(reason: "HTTP/1.1 without Host", head: "GET /page/a HTTP/1.1\r\nAccept: */*\r\n\r\n", status: 400),
  Refusal(
    reason: "a field without a colon", head: RawClient.head("/page/a", fields: ["no colon"]), status: 400),
  Refusal(reason: "a folded field", head: RawClient.head("/page/a", fields: ["A: b", " c"]), status: 400),
  Refusal(reason: "a space in a name", head: RawClient.head("/page/a", fields: ["Bad Name: x"]), status: 400),
  Refusal(reason: "a NUL byte", head: RawClient.head("/page/a", fields: ["X-Bad: a\u{0}b"]), status: 400),
  Refusal(
    reason: "a bad length", head: RawClient.head("/page/a", fields: ["Content-Length: ten"]), status: 400),
  Refusal(
    reason: "a chunked body", head: RawClient.head("/page/a", fields: ["Transfer-Encoding: chunked"]),
    status: 400),
  Refusal(
    reason: "a body too large", head: RawClient.head("/page/a", fields: ["Content-Length: 9999999"]),
    status: 413),
  Refusal(reason: "a POST", head: RawClient.head("/page/a", method: "POST"), status: 405),
  Refusal(reason: "HTTP/2.0", head: RawClient.head("/page/a", version: "HTTP/2.0"), status: 505),
]

/// The error the `withRunning` test throws from its body.
struct Interrupted: Error {}

/// Carries the server out of an `async` closure that may not capture a `var`.
final class Captured: @unchecked Sendable {
  // `@unchecked Sendable`: written once inside the closure, read only after it has returned.
  var server: FixtureServer?
}

/// Fetches `url` with URLSession, giving up after the liveness deadline instead of hanging the test.
func fetch(_ url: URL, in session: URLSession) async throws -> (status: Int, body: Data) {
  var request = URLRequest(url: url)
  request.timeoutInterval = Liveness.deadline.timeInterval
  let (body, response) = try await session.data(for: request)
  return ((response as? HTTPURLResponse)?.statusCode ?? -1, body)
}

/// Starts a server with `seed`, fetches `paths` from it over one connection and returns the bodies,
/// after checking each against what the server predicted.
func bodies(of paths: [String], seed: UInt64) throws -> [[UInt8]] {
  try FixtureServer.withRunning(.init(seed: seed)) { server in
    let client = try RawClient(port: server.port)
    return try paths.map { path in
      try client.request(path)
      let body = try client.readResponse().body
      #expect(Data(body) == server.expectedBody(for: path), "body of \(path)")
      return body
    }
  }
}

/// Opens `count` connections, each asking for a document held at `gate`.
func requests(_ count: Int, through gate: String, on server: FixtureServer) throws -> [RawClient] {
  try (0..<count).map { index in
    let client = try RawClient(port: server.port)
    try client.request("/doc/\(index)?gate=\(gate)")
    return client
  }
}

/// A GET head for `path` padded with a filler field to exactly `total` bytes.
func head(for path: String, totalling total: Int) -> String {
  // Bytes, not `count`: Swift counts "\r\n" as one Character.
  let bare = RawClient.head(path, fields: ["X-Filler: "]).utf8.count
  return RawClient.head(path, fields: ["X-Filler: " + String(repeating: "f", count: total - bare)])
}

extension WorkbookRandom {
  /// A random path that answers at once with a body.
  mutating func path() -> String {
    switch int(in: 0...3) {
    case 0: "/page/\(word(length: 4...10))"
    case 1: "/doc/\(int(in: 1...999))"
    case 2: "/bytes/\(int(in: 0...20_000))"
    default: "/status/\(int(in: 400...599))"
    }
  }
}
