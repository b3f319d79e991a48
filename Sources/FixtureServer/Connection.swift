import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One accepted connection, served from its first request to its close on a thread of its own.
///
/// Every wait (for a request, a gate, a delay, room to write) is a `poll` on the socket together with
/// the server's shutdown signal, so a waiting connection notices both a client that hangs up and a
/// server that stops.
final class Connection {
  /// How a request ended, for the statistics.
  enum Outcome {
    case served, cancelled, abandoned
  }

  private let fd: Int32
  private let server: FixtureServer
  private let shutdownSignal: PollableSignal
  private let idleTimeout: Duration
  private let headTimeout: Duration
  private let maximumHeadBytes: Int
  /// Bytes read but not yet used: the rest of a head, or requests a client sent ahead (pipelining).
  private var pending: [UInt8] = []
  /// Whether the client has closed its side: nothing more will arrive.
  private var isReadSideClosed = false
  private var chunk = [UInt8](repeating: 0, count: 16 * 1024)

  /// The largest request body the server reads and discards; a larger one gets 413.
  private static let maximumBodyBytes = 1 << 20

  init(fd: Int32, server: FixtureServer, shutdownSignal: PollableSignal) {
    self.fd = fd
    self.server = server
    self.shutdownSignal = shutdownSignal
    idleTimeout = server.configuration.idleTimeout
    headTimeout = server.configuration.headTimeout
    maximumHeadBytes = server.configuration.maximumHeadBytes
  }

  /// Serves requests until the connection ends, then closes the socket.
  func run() {
    defer { closeDescriptor(fd) }
    while serveOneRequest() {}
  }

  /// Reads, checks and answers one request; returns whether the connection stays open for another.
  private func serveOneRequest() -> Bool {
    guard let headEnd = readHead() else { return false }
    let head: RequestHead
    do {
      head = try RequestHead.parse(pending[..<headEnd])
    } catch {
      switch error {
      case .versionNotSupported: return refuse(505, "only HTTP/1.0 and HTTP/1.1 are served")
      case .badRequest(let reason): return refuse(400, reason)
      }
    }
    pending.removeFirst(headEnd)

    guard head.method == "GET" || head.method == "HEAD" else {
      return refuse(405, "only GET and HEAD are served", extraFields: "Allow: GET, HEAD\r\n")
    }
    // The server reads no chunked bodies; guessing where one ends would desynchronise the connection.
    guard head.values(of: "transfer-encoding").isEmpty else {
      return refuse(400, "request bodies with Transfer-Encoding are not served")
    }
    let lengths = Set(head.values(of: "content-length"))
    guard lengths.count <= 1, let length = lengths.isEmpty ? 0 : Int(lengths.first ?? ""), length >= 0 else {
      return refuse(400, "the Content-Length is not one number")
    }
    guard length <= Self.maximumBodyBytes else { return refuse(413, "the request body is too large") }
    guard discardBody(length) else { return false }

    let plan = server.routeTable.plan(for: head.target)
    let lane = server.requestStarted(path: plan.path)
    let (outcome, keepsOpen, status) = carryOut(plan, head: head)
    server.requestEnded(
      path: plan.path, outcome: outcome, line: "\(head.method) \(head.target) → \(status)", lane: lane)
    return keepsOpen
  }

  /// Waits for the plan's gate and delay, then answers; returns the outcome, whether the connection stays
  /// open, and what to log as the answer.
  private func carryOut(_ plan: Plan, head: RequestHead) -> (Outcome, Bool, String) {
    if let gate = plan.gate {
      switch server.enterGate(named: gate) {
      case .open: break
      case .closed(let signal):
        let held = hold(gate: signal, until: nil)
        server.leaveGate(named: gate)
        switch held {
        case .gateOpened, .deadlinePassed: break
        case .clientGone: return (.cancelled, false, "cancelled by the client")
        case .shutdown: return (.abandoned, false, "abandoned at shutdown")
        }
      case .stopping:
        return (.abandoned, false, "abandoned at shutdown")
      case .unavailable:
        let response = PlannedResponse(status: 503, text: "no pipe left for gate \(gate)\n")
        return finish(send(response, for: head, keepAlive: false), keepAlive: false, status: 503)
      }
    }
    if plan.delayMilliseconds > 0 {
      switch hold(gate: nil, until: .now + .milliseconds(plan.delayMilliseconds)) {
      case .deadlinePassed, .gateOpened: break
      case .clientGone: return (.cancelled, false, "cancelled by the client")
      case .shutdown: return (.abandoned, false, "abandoned at shutdown")
      }
    }
    switch plan.action {
    case .drop:
      return (.served, false, "dropped")
    case .hang:
      switch hold(gate: nil, until: nil) {
      case .shutdown: return (.abandoned, false, "abandoned at shutdown")
      default: return (.cancelled, false, "cancelled by the client")
      }
    case .respond(let response):
      let keepAlive = head.wantsKeepAlive
      return finish(
        send(response, for: head, keepAlive: keepAlive), keepAlive: keepAlive, status: response.status)
    }
  }

  /// The outcome of a written response, closing gracefully when the connection is not kept open.
  private func finish(_ result: WriteResult, keepAlive: Bool, status: Int) -> (Outcome, Bool, String) {
    switch result {
    case .complete:
      if !keepAlive { closeGracefully() }
      return (.served, keepAlive, "\(status) served")
    case .clientGone: return (.cancelled, false, "\(status) cancelled by the client")
    case .shutdown: return (.abandoned, false, "\(status) abandoned at shutdown")
    case .stalled: return (.abandoned, false, "\(status) abandoned: the client stopped reading")
    }
  }

  /// Answers a head the server will not serve, then closes the connection; always returns `false`.
  private func refuse(_ status: Int, _ reason: String, extraFields: String = "") -> Bool {
    server.noteRejectedRequest(line: "refused with \(status): \(reason)")
    let response = PlannedResponse(status: status, text: "\(reason)\n")
    if case .complete = send(response, for: nil, keepAlive: false, extraFields: extraFields) {
      closeGracefully()
    }
    return false
  }

  // MARK: Reading

  private enum ReadResult {
    case data, endOfStream, wouldBlock
  }

  /// Reads what the socket has into `pending`; an error counts as the end of the stream.
  private func readAvailable() -> ReadResult {
    let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    if count > 0 {
      pending.append(contentsOf: chunk[0..<count])
      return .data
    }
    if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      return .wouldBlock
    }
    isReadSideClosed = true
    return .endOfStream
  }

  /// Reads until `pending` holds a whole head and returns where it ends; `nil` ends the connection.
  ///
  /// Each byte restarts the idle timer, but the head's own deadline runs from its first byte (a blank
  /// line counts), so a client trickling bytes is closed once `headTimeout` has passed.
  private func readHead() -> Int? {
    let now = ContinuousClock.now
    var idleDeadline = now + idleTimeout
    // Pipelined bytes already here are the head's first ones.
    var headDeadline = pending.isEmpty ? nil : now + headTimeout
    while true {
      // HTTP asks servers to skip blank lines before a request line.
      let start = pending.firstIndex { $0 != 0x0d && $0 != 0x0a } ?? pending.endIndex
      pending.removeFirst(start)
      if let end = RequestHead.end(in: pending) {
        return end <= maximumHeadBytes ? end : headTooLarge()
      }
      if pending.count > maximumHeadBytes { return headTooLarge() }
      if isReadSideClosed { return nil }
      switch wait(for: Int16(POLLIN), gate: nil, until: min(idleDeadline, headDeadline ?? idleDeadline)) {
      case .readable:
        if readAvailable() == .data {
          idleDeadline = .now + idleTimeout
          headDeadline = headDeadline ?? .now + headTimeout
        }
      case .timedOut:
        if let headDeadline, headDeadline <= idleDeadline {
          server.noteHeadTimeout()
        } else {
          server.noteIdleTimeout()
        }
        return nil
      case .shutdown, .hangUp:
        return nil
      case .writable, .gate:
        continue
      }
    }
  }

  private func headTooLarge() -> Int? {
    _ = refuse(431, "the request head is larger than \(maximumHeadBytes) bytes")
    return nil
  }

  /// Reads and throws away a request body of `length` bytes; `false` if the connection ended first.
  private func discardBody(_ length: Int) -> Bool {
    var remaining = length
    while true {
      let used = min(remaining, pending.count)
      pending.removeFirst(used)
      remaining -= used
      if remaining == 0 { return true }
      guard !isReadSideClosed, wait(for: Int16(POLLIN), gate: nil, until: .now + idleTimeout) == .readable
      else {
        return false
      }
      _ = readAvailable()
    }
  }

  // MARK: Waiting

  private enum Wake {
    case readable, writable, gate, timedOut, shutdown, hangUp
  }

  /// Polls the socket for `events` together with the shutdown signal and, if given, a gate.
  private func wait(for events: Int16, gate: PollableSignal?, until deadline: ContinuousClock.Instant?)
    -> Wake
  {
    var fds = [
      pollfd(fd: fd, events: events, revents: 0),
      pollfd(fd: shutdownSignal.readEnd, events: Int16(POLLIN), revents: 0),
    ]
    if let gate {
      fds.append(pollfd(fd: gate.readEnd, events: Int16(POLLIN), revents: 0))
    }
    let ready = pollRetrying(&fds, timeout: pollTimeout(until: deadline))
    if ready < 0 { return .hangUp }
    if ready == 0 { return .timedOut }
    if fds[1].revents != 0 { return .shutdown }
    if fds.count > 2 && fds[2].revents != 0 { return .gate }
    let revents = fds[0].revents
    // Readable comes first: it may be the client's last bytes or its end of stream, which a read tells.
    if revents & Int16(POLLIN) != 0 { return .readable }
    if revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return .hangUp }
    return .writable
  }

  private enum HoldResult {
    case gateOpened, deadlinePassed, clientGone, shutdown
  }

  /// Holds a request until the gate opens or the deadline passes, watching for the client hanging up.
  ///
  /// Bytes that arrive meanwhile are the client's next requests: they are kept for later. Once enough are
  /// kept, the socket is watched for errors and hang-ups only, so a flood cannot fill memory.
  private func hold(gate: PollableSignal?, until deadline: ContinuousClock.Instant?) -> HoldResult {
    while true {
      if isReadSideClosed { return .clientGone }
      let events = pending.count < 4 * maximumHeadBytes ? Int16(POLLIN) : 0
      switch wait(for: events, gate: gate, until: deadline) {
      case .readable: _ = readAvailable()
      case .gate: return .gateOpened
      case .timedOut: return .deadlinePassed
      case .shutdown: return .shutdown
      case .hangUp: return .clientGone
      case .writable: continue
      }
    }
  }

  // MARK: Writing

  private enum WriteResult {
    case complete, clientGone, shutdown, stalled
  }

  /// Writes a response; `head` is `nil` for a refusal, which has no method and always closes.
  private func send(
    _ response: PlannedResponse, for head: RequestHead?, keepAlive: Bool, extraFields: String = ""
  ) -> WriteResult {
    let bytes = response.head(keepAlive: keepAlive, extraFields: extraFields)
    guard head?.method != "HEAD" && !response.hasNoBody else { return writeAll(bytes) }
    switch response.body {
    case .bytes(let body) where body.count <= 64 * 1024:
      // One write for a small response saves a packet.
      return writeAll(bytes + body)
    case .bytes(let body):
      let result = writeAll(bytes)
      return result == .complete ? writeAll(body) : result
    case .letters(var remaining, var generator):
      var result = writeAll(bytes)
      while result == .complete && remaining > 0 {
        // A multiple of ten letters, so the chunks continue one stream (see `BodyGenerator.letters`).
        let chunk = generator.letters(min(remaining, 65_520))
        remaining -= chunk.count
        result = writeAll(chunk)
      }
      return result
    }
  }

  /// Writes every byte, waiting for room with `poll`; gives up when the client makes no room for an idle
  /// timeout.
  private func writeAll(_ bytes: [UInt8]) -> WriteResult {
    var offset = 0
    var deadline = ContinuousClock.now + idleTimeout
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes { buffer in
        buffer.baseAddress.map { sendWithoutSignal(fd, $0 + offset, buffer.count - offset) } ?? 0
      }
      if sent > 0 {
        offset += sent
        deadline = .now + idleTimeout
        continue
      }
      guard sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) else {
        // EPIPE or ECONNRESET: the client closed the connection while the response was on its way.
        return .clientGone
      }
      // Only room to write is watched: a client that leaves resets the connection, which poll reports.
      switch wait(for: Int16(POLLOUT), gate: nil, until: deadline) {
      case .writable, .readable, .gate: continue
      case .timedOut: return .stalled
      case .shutdown: return .shutdown
      case .hangUp: return .clientGone
      }
    }
    return .complete
  }

  /// Ends a connection after its last response without losing that response.
  ///
  /// Closing a socket with unread input makes the kernel send a reset, which can destroy the response
  /// before the client reads it. So the server first closes its sending side, then reads and discards
  /// until the client closes too (or a short while passes).
  private func closeGracefully() {
    shutdown(fd, Int32(SHUT_WR))
    let deadline = ContinuousClock.now + min(idleTimeout, .seconds(2))
    var discarded = 0
    while discarded < Self.maximumBodyBytes {
      pending.removeAll(keepingCapacity: true)
      guard wait(for: Int16(POLLIN), gate: nil, until: deadline) == .readable, readAvailable() != .endOfStream
      else { return }
      discarded += pending.count
    }
  }
}

extension PlannedResponse {
  /// The status line and header fields, ending in the blank line before the body.
  func head(keepAlive: Bool, extraFields: String = "") -> [UInt8] {
    var text = "HTTP/1.1 \(status) \(reason)\r\n"
    if !hasNoBody {
      text += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n"
    }
    text += extraFields + "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
    return Array(text.utf8)
  }
}

/// `send(2)` with the flags that keep a write to a closed peer from raising SIGPIPE.
func sendWithoutSignal(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  send(fd, bytes, count, sendFlags)
}
