// The fixture server's guide: what it answers, how a test runs it and waits for its counts, and what it
// guarantees. `routes` below is the route table itself; `/` and `fixture-server` print it.
//
// ## Routes and options
//
// Every route takes two query options: `?delay=ms` waits before answering and `?gate=name` waits for
// `openGate(name)`, so `/doc/3?gate=go` is document 3, held until the test opens `go` (a `delay` that
// is not a number from 0 to 600 000 gets 400). Other paths get 404; `/status/204` and `/status/304`
// have no body. Bodies depend on the seed and the path only, never on the query: `expectedBody(for:)`,
// `expectedText(for:)` and `expectedStatus(for:)` tell you what any path answers, so tests compute
// exact answers without hard-coding them.
//
// ## Running a server in a test
//
// `withRunning` starts a server on a free port, hands it to your closure and always shuts it down, also
// when the closure throws. Pass a seed from `WorkbookRandom` so a failing run can be replayed:
//
//     var random = WorkbookRandom()
//     try FixtureServer.withRunning(.init(seed: random.next())) { server in
//       let urls = (1...5).map { server.url(for: "/doc/\($0)?gate=go") }
//       // Start the code under test on its own thread(s): it fetches `urls`.
//       // All five requests waiting at the gate together proves they overlap.
//       #expect(server.waitUntil(inFlight: 5))
//       server.openGate("go")
//       // Collect the results, then compare them with what the server says it sent.
//       #expect(bodies[0] == server.expectedBody(for: "/doc/1"))
//       #expect(server.statistics.served("/doc/1") == 1)
//       #expect(server.statistics.peakInFlight == 5)
//     }
//
// In an `async` test, `try await FixtureServer.withRunning { server in … }` and
// `await server.waitUntil(inFlight: 5)` are the same calls, suspending instead of blocking.
//
// ## Waiting without sleeping
//
// A request reaches the server some time after the client sends it, and is counted as ended some time
// after the client has read the response. So wait for a count instead of expecting it at once:
// `waitUntil(inFlight:)` returns when that many requests are in flight at the same time, and
// `waitUntil(_:)` when a condition on `statistics` holds. Both give up after `timeout` (10 seconds by
// default) and return `false`: the timeout only turns a hang into a failure, it never decides a passing
// test.
//
//     // Prove a client gives up on a request that never answers:
//     #expect(server.waitUntil(inFlight: 1))            // the request for /hang has arrived
//     // ... the client times out or is cancelled, closing its connection ...
//     #expect(server.waitUntil { $0.cancelledPaths == ["/hang"] })
//
// That lag cuts both ways: `inFlight` may still count a request whose answer the client has read. When
// earlier requests went to the same server, wait on `startedRequests` as well. Use `resetStatistics()`
// between phases of a test; `peakInFlight` then starts again from the requests in flight now.
//
// ## What the server guarantees
//
// - It listens on 127.0.0.1 only, port 0 (any free port) unless you pick one; read it from `port`.
// - Each connection is served on a thread of its own, so a slow route never holds up another client.
// - HTTP/1.1 keep-alive, including pipelined requests; `Connection: close` and HTTP/1.0 close after the
//   response. A connection idle for `Configuration.idleTimeout` is closed, and so is one whose request
//   head is not whole `Configuration.headTimeout` after its first byte.
// - At most `Configuration.maximumConnections` connections are open at once; one beyond them gets 503
//   and a close.
// - GET and HEAD only (405 otherwise). A malformed head (an HTTP/1.1 one without `Host`, too) gets 400,
//   a head over `Configuration.maximumHeadBytes` 431, and the connection is closed after either.
// - A request waiting on a delay, a gate or `/hang` notices the client closing its connection and is
//   counted as cancelled, as is a response the client stops reading and hangs up on. (A client that
//   only shuts down its sending side looks the same while a request waits: it counts as gone.)
// - `shutdown()` closes the listener and every connection, wakes every waiting request and joins every
//   thread: afterwards `statistics.liveThreads` and `liveConnections` are 0. A gate's pipe lives only
//   while some request waits on it (`statistics.liveGates`).
// - A client that hangs up mid-response never raises SIGPIPE.
// - A client that retries (libcurl, under URLSession, retries a request once when a reused connection
//   closes without an answer) makes two requests: count `/drop` on fresh connections.
//
// `swift run fixture-server --port 8080` runs one until you press Ctrl-C, so you can try the routes with
// `curl` while you work through a chapter.

import WorkbookCore

extension FixtureServer {
  /// One route of the server, as the index page and `fixture-server` list it.
  public struct Route: Sendable, Equatable {
    /// The path pattern, like `/delay/{ms}`.
    public var pattern: String
    /// What the route answers, in a sentence.
    public var summary: String
  }

  /// Every route the server answers, in the order the index page lists them.
  public static let routes: [Route] = [
    Route(pattern: "/", summary: "this list of routes"),
    Route(pattern: "/page/{name}", summary: "a short text page named name"),
    Route(pattern: "/delay/{ms}", summary: "a page answered after ms milliseconds (0 to 600000)"),
    Route(pattern: "/status/{code}", summary: "a page with the status code you choose (200 to 599)"),
    Route(pattern: "/bytes/{n}", summary: "exactly n random letters and digits (0 to 67108864)"),
    Route(pattern: "/doc/{id}", summary: "a document of 24 to 96 lowercase words, for scrapers"),
    Route(pattern: "/gate/{name}", summary: "a page answered once openGate(name) is called"),
    Route(pattern: "/drop", summary: "closes the connection without any response"),
    Route(pattern: "/hang", summary: "never answers: waits until the client hangs up or the server stops"),
    Route(pattern: "…?delay={ms}", summary: "any route, answered after ms more milliseconds"),
    Route(pattern: "…?gate={name}", summary: "any route, answered once openGate(name) is called"),
  ]

  /// The longest delay a route accepts: ten minutes, long enough for any test to cancel it first.
  static let maximumDelay = 600_000

  /// The largest body `/bytes/{n}` sends: large enough to fill every socket buffer on the way.
  static let maximumByteCount = 64 << 20
}

/// A response the server sends: status, media type and body.
struct PlannedResponse: Equatable {
  var status: Int
  var contentType = "text/plain; charset=utf-8"
  var body: Body

  /// A body held in memory, or one made while it is sent.
  enum Body: Equatable {
    case bytes([UInt8])
    /// `count` letters drawn from `generator` chunk by chunk as they are written, so a large body
    /// starts at once and never sits in memory whole.
    case letters(count: Int, generator: BodyGenerator)

    /// How many bytes the body has.
    var count: Int {
      switch self {
      case .bytes(let bytes): bytes.count
      case .letters(let count, _): count
      }
    }

    /// The whole body in memory, as `expectedBody(for:)` returns it.
    var bytes: [UInt8] {
      switch self {
      case .bytes(let bytes): return bytes
      case .letters(let count, var generator): return generator.letters(count)
      }
    }
  }

  init(status: Int, contentType: String = "text/plain; charset=utf-8", body: Body) {
    self.status = status
    self.contentType = contentType
    self.body = body
  }

  init(status: Int, text: String) {
    self.init(status: status, body: .bytes(Array(text.utf8)))
  }

  /// The reason phrase of the status line.
  var reason: String { reasonPhrase(for: status) }

  /// Whether HTTP forbids a body (and a `Content-Length`) for this status.
  var hasNoBody: Bool { Self.forbidsBody(status) }

  /// Whether HTTP forbids a body for `status`: 204 No Content and 304 Not Modified.
  static func forbidsBody(_ status: Int) -> Bool { status == 204 || status == 304 }
}

/// What the server does with one request: what it waits for, then how it answers.
struct Plan: Equatable {
  enum Action: Equatable {
    case respond(PlannedResponse)
    case drop
    case hang
  }

  /// The request's path without its query: the key of every statistic.
  var path: String
  /// A gate to wait for before answering.
  var gate: String?
  /// Milliseconds to wait (after the gate) before answering.
  var delayMilliseconds = 0
  var action: Action
}

/// The server's routes as a pure function of the seed: the server answers with it, and tests predict
/// answers with it through `FixtureServer.expectedBody(for:)`.
struct RouteTable: Sendable {
  let seed: UInt64

  /// What the server does with the request target `target` (path and optional query).
  func plan(for target: String) -> Plan {
    let (path, query) = splitTarget(target)
    let parsed = parsedRoute(path)
    var plan = Plan(path: path, action: action(for: parsed, path: path))
    switch parsed {
    case .delay(let milliseconds): plan.delayMilliseconds = milliseconds
    case .gate(let name): plan.gate = name
    default: break
    }
    for (name, value) in query {
      switch name {
      case "delay":
        guard let milliseconds = Int(value), (0...FixtureServer.maximumDelay).contains(milliseconds) else {
          // Answered at once: a request whose options make no sense waits for nothing.
          let reason = "delay must be 0 to \(FixtureServer.maximumDelay)\n"
          return Plan(path: path, action: .respond(PlannedResponse(status: 400, text: reason)))
        }
        plan.delayMilliseconds += milliseconds
      case "gate" where !value.isEmpty:
        plan.gate = value
      default:
        continue
      }
    }
    return plan
  }

  /// The routes with their arguments, parsed from a path.
  private enum ParsedRoute {
    case index, page, delay(Int), status(Int), bytes(Int), document, gate(String), drop, hang, notFound
  }

  private func parsedRoute(_ path: String) -> ParsedRoute {
    let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
    switch (segments.count, segments.first) {
    case (1, ""): return .index
    case (1, "drop"): return .drop
    case (1, "hang"): return .hang
    case (2, let name?):
      let argument = String(segments.last ?? "")
      guard !argument.isEmpty else { return .notFound }
      switch name {
      case "page": return .page
      case "doc": return .document
      case "gate": return .gate(argument)
      case "delay":
        guard let value = Int(argument), (0...FixtureServer.maximumDelay).contains(value) else {
          return .notFound
        }
        return .delay(value)
      case "status":
        guard let value = Int(argument), (200...599).contains(value) else { return .notFound }
        return .status(value)
      case "bytes":
        guard let value = Int(argument), (0...FixtureServer.maximumByteCount).contains(value) else {
          return .notFound
        }
        return .bytes(value)
      default: return .notFound
      }
    default: return .notFound
    }
  }

  private func action(for route: ParsedRoute, path: String) -> Plan.Action {
    var generator = BodyGenerator(seed: seed, path: path)
    switch route {
    case .index:
      let lines = FixtureServer.routes.map(\.listing)
      return .respond(PlannedResponse(status: 200, text: lines.joined(separator: "\n") + "\n"))
    case .page, .delay, .gate:
      return .respond(PlannedResponse(status: 200, text: "page \(path) \(generator.token())\n"))
    case .status(let code):
      let text =
        PlannedResponse.forbidsBody(code) ? "" : "\(code) \(reasonPhrase(for: code)) \(generator.token())\n"
      return .respond(PlannedResponse(status: code, text: text))
    case .bytes(let count):
      return .respond(
        PlannedResponse(
          status: 200, contentType: "application/octet-stream",
          body: .letters(count: count, generator: generator)))
    case .document:
      return .respond(PlannedResponse(status: 200, text: generator.document()))
    case .drop:
      return .drop
    case .hang:
      return .hang
    case .notFound:
      return .respond(PlannedResponse(status: 404, text: "no route for \(path)\n"))
    }
  }

  /// Splits `/a/b?x=1&y=2` into the path and its query pairs, in order.
  private func splitTarget(_ target: String) -> (path: String, query: [(String, String)]) {
    guard let mark = target.firstIndex(of: "?") else { return (target, []) }
    let query = target[target.index(after: mark)...].split(separator: "&").map { pair in
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }
    return (String(target[..<mark]), query)
  }
}

/// The bodies of one path: a SplitMix64 stream seeded from the server's seed and the path.
///
/// The same seed and path give the same bytes in every process, so tests can predict a body; a new
/// seed changes every body, so a hard-coded answer fails.
struct BodyGenerator: RandomNumberGenerator, Equatable {
  private var generator: SplitMix64

  init(seed: UInt64, path: String) {
    generator = SplitMix64(seed: seed, label: path)
  }

  mutating func next() -> UInt64 {
    generator.next()
  }

  /// Sixteen hex digits that differ from seed to seed.
  mutating func token() -> String {
    let hex = String(next(), radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// `count` letters and digits.
  ///
  /// Each draw gives ten letters, so calls for multiples of ten continue one stream: the body comes
  /// out the same whether it is made in one call or in chunks.
  mutating func letters(_ count: Int) -> [UInt8] {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
    var bytes = [UInt8](repeating: 0, count: count)
    var index = 0
    while index < count {
      // One 64-bit draw gives ten letters: six bits each, folded onto the 62-letter alphabet.
      var bits = next()
      for _ in 0..<10 where index < count {
        bytes[index] = alphabet[Int(bits & 63) % alphabet.count]
        bits >>= 6
        index += 1
      }
    }
    return bytes
  }

  /// 24 to 96 lowercase words, eight to a line, each line ending in a newline.
  mutating func document() -> String {
    let count = Int.random(in: 24...96, using: &self)
    var text = ""
    for index in 0..<count {
      text += vocabulary.randomElement(using: &self) ?? "word"
      text += index % 8 == 7 || index == count - 1 ? "\n" : " "
    }
    return text
  }
}

/// The words documents are made of: few enough that words repeat, so counting them is interesting.
private let vocabulary = [
  "thread", "lock", "queue", "task", "actor", "mutex", "signal", "worker", "pool", "future",
  "await", "yield", "join", "spawn", "race", "fence", "atomic", "channel", "buffer", "socket",
  "request", "reply", "cancel", "deadline", "event", "loop", "fork", "pipe", "kernel", "core",
  "cache", "batch", "stream", "harbor", "river", "lantern", "meadow", "orbit", "pebble", "quartz",
  "saddle", "tundra", "violet", "willow", "ember", "falcon", "glacier", "hollow",
]

/// The reason phrase for a status line; any phrase is valid HTTP, so unknown codes get a generic one.
func reasonPhrase(for status: Int) -> String {
  switch status {
  case 200: "OK"
  case 201: "Created"
  case 202: "Accepted"
  case 204: "No Content"
  case 301: "Moved Permanently"
  case 302: "Found"
  case 304: "Not Modified"
  case 400: "Bad Request"
  case 401: "Unauthorized"
  case 403: "Forbidden"
  case 404: "Not Found"
  case 405: "Method Not Allowed"
  case 408: "Request Timeout"
  case 413: "Content Too Large"
  case 418: "I'm a teapot"
  case 429: "Too Many Requests"
  case 431: "Request Header Fields Too Large"
  case 500: "Internal Server Error"
  case 501: "Not Implemented"
  case 502: "Bad Gateway"
  case 503: "Service Unavailable"
  case 504: "Gateway Timeout"
  case 505: "HTTP Version Not Supported"
  default: "Status \(status)"
  }
}

extension FixtureServer.Route {
  /// The route as one aligned line of a listing, like `GET /doc/{id}        a document …`.
  public var listing: String {
    let request = (pattern.hasPrefix("/") ? "GET " : "    ") + pattern
    return request + String(repeating: " ", count: max(2, 22 - request.count)) + summary
  }
}
