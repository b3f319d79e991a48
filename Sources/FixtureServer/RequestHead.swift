/// The request line and header fields of one HTTP/1.x request.
struct RequestHead: Equatable {
  var method: String
  /// The origin-form target: the path and optional query, like `/doc/7?delay=20`.
  var target: String
  /// 0 for HTTP/1.0, 1 for HTTP/1.1.
  var minorVersion: Int
  /// The fields in order, names lowercased.
  var fields: [Field]

  struct Field: Equatable {
    var name: String
    var value: String
  }

  /// Why a head is refused: the status the server answers with before it closes the connection.
  enum Refusal: Error, Equatable {
    case badRequest(String)
    case versionNotSupported
  }

  /// Every value of the field `name` (lowercase).
  func values(of name: String) -> [String] {
    fields.filter { $0.name == name }.map(\.value)
  }

  /// Whether the client wants the connection kept open after this response.
  var wantsKeepAlive: Bool {
    let options = values(of: "connection").flatMap { $0.split(separator: ",") }.map {
      $0.trimmingSpaces().lowercased()
    }
    // HTTP/1.1 keeps connections open unless told otherwise; HTTP/1.0 closes them unless asked.
    return minorVersion == 1 ? !options.contains("close") : options.contains("keep-alive")
  }

  /// Parses a head: the bytes up to and including the empty line that ends it.
  static func parse(_ bytes: ArraySlice<UInt8>) throws(Refusal) -> RequestHead {
    // Field values may be any visible ASCII; anything else (NUL, bytes above 127) is not a request.
    guard bytes.allSatisfy({ (0x20...0x7e).contains($0) || $0 == 0x09 || $0 == 0x0d || $0 == 0x0a }) else {
      throw .badRequest("the head holds bytes that are not ASCII text")
    }
    // Split bytes, not a String: Swift reads "\r\n" as one Character, which never equals "\n".
    var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map { line in
      Substring(decoding: line.last == 0x0d ? line.dropLast() : line, as: UTF8.self)
    }
    while lines.last?.isEmpty == true { lines.removeLast() }
    guard let requestLine = lines.first else { throw .badRequest("the request line is missing") }

    let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(\.isTokenCharacter) else {
      throw .badRequest("the request line is not METHOD TARGET HTTP/1.x")
    }
    guard parts[1].hasPrefix("/") else { throw .badRequest("the target does not start with /") }
    let minorVersion: Int
    switch parts[2] {
    case "HTTP/1.1": minorVersion = 1
    case "HTTP/1.0": minorVersion = 0
    case let version
    where version.count == 8 && version.hasPrefix("HTTP/") && version.dropFirst(5).first?.isNumber == true:
      throw .versionNotSupported
    default: throw .badRequest("the version is not HTTP/1.0 or HTTP/1.1")
    }

    var fields: [Field] = []
    for line in lines.dropFirst() {
      // A line folded onto the previous one is obsolete HTTP; accepting it invites smuggling.
      guard let colon = line.firstIndex(of: ":"), let first = line.first, first != " ", first != "\t" else {
        throw .badRequest("a header line is not NAME: VALUE")
      }
      let name = line[..<colon]
      guard !name.isEmpty, name.allSatisfy(\.isTokenCharacter) else {
        throw .badRequest("a header name is not a token")
      }
      fields.append(
        Field(name: name.lowercased(), value: String(line[line.index(after: colon)...].trimmingSpaces())))
    }

    let head = RequestHead(
      method: String(parts[0]), target: String(parts[1]), minorVersion: minorVersion, fields: fields)
    // HTTP/1.1 requires exactly one Host field (RFC 9112 §3.2).
    if minorVersion == 1 && head.values(of: "host").count != 1 {
      throw .badRequest("an HTTP/1.1 request needs exactly one Host field")
    }
    return head
  }

  /// Where the head ends in `buffer`: the index just past the empty line, or `nil` if it has not arrived.
  static func end(in buffer: [UInt8]) -> Int? {
    var index = buffer.startIndex
    while let newline = buffer[index...].firstIndex(of: 0x0a) {
      let next = buffer.index(after: newline)
      if next < buffer.endIndex && buffer[next] == 0x0a { return next + 1 }
      if next + 1 < buffer.endIndex && buffer[next] == 0x0d && buffer[next + 1] == 0x0a { return next + 2 }
      index = next
    }
    return nil
  }
}

extension Character {
  /// Whether the character may appear in an HTTP token (a method or a field name).
  fileprivate var isTokenCharacter: Bool {
    guard let ascii = asciiValue else { return false }
    return (0x21...0x7e).contains(ascii) && !"\"(),/:;<=>?@[\\]{}".contains(self)
  }
}

extension Substring {
  /// The substring without leading and trailing spaces and tabs.
  fileprivate func trimmingSpaces() -> Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let start = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
    else {
      return ""
    }
    return self[start...last]
  }
}
