import FixtureServer
import Foundation
import WorkbookTestSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A blocking HTTP/1.1 client on a plain socket, so a test controls every byte it sends and sees every
/// close the server makes.
///
/// No read or write waits longer than `Liveness.deadline`: a server that never answers or never closes
/// makes the call throw `RawClient.Failure.timedOut` instead of hanging the test.
final class RawClient {
  /// What went wrong on the client's side of the connection.
  enum Failure: Error, Equatable {
    case connect(Int32)
    case send(Int32)
    case timedOut
    case reset
    /// The server closed the connection before a whole response arrived.
    case closedEarly
    case malformedResponse(String)
  }

  /// One response, as the bytes on the wire said.
  struct Response {
    var status: Int
    /// Header fields, names lowercased.
    var fields: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
  }

  private let fd: Int32
  private var isClosed = false
  /// Bytes received but not yet returned: the start of the next response.
  private var buffer: [UInt8] = []

  /// Connects to 127.0.0.1:`port`; a `receiveBufferSize` caps what the kernel buffers for this client.
  init(port: Int, receiveBufferSize: Int? = nil) throws {
    do {
      fd = try LoopbackSocket.connect(port: UInt16(port)) { fd in
        var limit = timeval(tv_sec: Int(Liveness.deadline.timeInterval), tv_usec: 0)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
          setsockopt(fd, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
        // Before `connect`, so the kernel sizes the connection's receive window to it.
        if var size = receiveBufferSize.map(Int32.init) {
          setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        #if canImport(Darwin)
          var one: Int32 = 1
          setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
      }
    } catch {
      throw Failure.connect(error.code)
    }
  }

  deinit {
    if !isClosed { closeSocket(fd) }
  }

  /// Sends `text` as it is.
  func send(_ text: String) throws {
    try send(Array(text.utf8))
  }

  /// Sends `bytes` as they are.
  func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes { buffer in
        sendBytes(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
      }
      guard sent > 0 else {
        if errno == EINTR { continue }
        throw errno == EAGAIN || errno == EWOULDBLOCK ? Failure.timedOut : Failure.send(errno)
      }
      offset += sent
    }
  }

  /// Sends a request for `target`, with a Host field and any `fields` (like `"Connection: close"`).
  func request(_ target: String, method: String = "GET", version: String = "HTTP/1.1", fields: [String] = [])
    throws
  {
    try send(Self.head(target, method: method, version: version, fields: fields))
  }

  /// The text of a request head.
  static func head(
    _ target: String, method: String = "GET", version: String = "HTTP/1.1", fields: [String] = []
  )
    -> String
  {
    ([method + " " + target + " " + version, "Host: 127.0.0.1"] + fields).joined(separator: "\r\n")
      + "\r\n\r\n"
  }

  /// Reads one whole response; `isHead` says it answers a HEAD request, which has no body.
  func readResponse(isHead: Bool = false) throws -> Response {
    var headEnd: Int?
    while true {
      if let end = findHeadEnd() {
        headEnd = end
        break
      }
      guard try receive() else { throw Failure.closedEarly }
    }
    guard let headEnd else { throw Failure.closedEarly }
    let lines = String(decoding: buffer[..<(headEnd - 4)], as: UTF8.self).components(separatedBy: "\r\n")
    buffer.removeFirst(headEnd)
    let statusParts = lines[0].split(separator: " ", maxSplits: 2)
    guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
      throw Failure.malformedResponse(lines[0])
    }
    var fields: [String: String] = [:]
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { throw Failure.malformedResponse(line) }
      fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
        in: .whitespaces)
    }
    let hasBody = !isHead && status != 204 && status != 304
    let length = hasBody ? Int(fields["content-length"] ?? "0") ?? 0 : 0
    while buffer.count < length {
      guard try receive() else { throw Failure.closedEarly }
    }
    let body = Array(buffer[..<length])
    buffer.removeFirst(length)
    return Response(status: status, fields: fields, body: body)
  }

  /// Reads until the server closes the connection and returns what arrived meanwhile.
  func readUntilClosed() throws -> [UInt8] {
    while try receive() {}
    defer { buffer = [] }
    return buffer
  }

  /// Reads a little more into the buffer: at most `count` bytes, as soon as any have arrived.
  func readSome(_ count: Int) throws -> Int {
    let before = buffer.count
    _ = try receive(upTo: count)
    return buffer.count - before
  }

  /// Sends `bytes` one at a time, `interval` apart, until the server closes the connection; returns how
  /// many were sent by then, or throws `timedOut` if the server kept it open past `Liveness.deadline`.
  func trickle(_ bytes: [UInt8], interval: Duration) throws -> Int {
    let deadline = ContinuousClock.now + Liveness.deadline
    for index in bytes.indices {
      guard ContinuousClock.now < deadline else { throw Failure.timedOut }
      do {
        try send([bytes[index]])
      } catch Failure.send {
        return index  // The server closed and the kernel says so: EPIPE or ECONNRESET.
      }
      // The pause is a poll for the server's close, so the close is seen as soon as it comes.
      var pollDescriptor = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
      if poll(&pollDescriptor, 1, Int32(interval / .milliseconds(1))) > 0 {
        do {
          if try !receive() { return index + 1 }
        } catch Failure.reset {
          return index + 1
        }
      }
    }
    return bytes.count
  }

  /// Closes the connection the ordinary way.
  func close() {
    guard !isClosed else { return }
    isClosed = true
    closeSocket(fd)
  }

  /// Appends what arrives to `buffer`; `false` at the end of the stream.
  private func receive(upTo count: Int = 64 * 1024) throws -> Bool {
    var chunk = [UInt8](repeating: 0, count: count)
    while true {
      let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if received > 0 {
        buffer += chunk[..<received]
        return true
      }
      if received == 0 { return false }
      switch errno {
      case EINTR: continue
      case EAGAIN, EWOULDBLOCK: throw Failure.timedOut
      case ECONNRESET: throw Failure.reset
      default: throw Failure.closedEarly
      }
    }
  }

  private func findHeadEnd() -> Int? {
    guard buffer.count >= 4 else { return nil }
    for index in 0...(buffer.count - 4)
    where buffer[index] == 0x0d && buffer[index + 1] == 0x0a && buffer[index + 2] == 0x0d
      && buffer[index + 3] == 0x0a
    {
      return index + 4
    }
    return nil
  }
}

/// `close(2)`, named apart from `RawClient.close()`.
private func closeSocket(_ fd: Int32) {
  _ = close(fd)
}

/// `send(2)` without SIGPIPE, named apart from `RawClient.send(_:)`.
private func sendBytes(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
  #if canImport(Darwin)
    send(fd, bytes, count, 0)
  #else
    send(fd, bytes, count, Int32(MSG_NOSIGNAL))
  #endif
}
