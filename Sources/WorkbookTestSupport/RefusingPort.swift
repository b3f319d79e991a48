import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A port on 127.0.0.1 that refuses every connection for as long as you hold it, for testing a client's errors.
///
/// The socket is bound but never listens, so the kernel answers every connection with a reset:
/// URLSession reports "cannot connect to host". Holding the port bound keeps any other socket from
/// taking it, which a port found free and closed again would not: a server of another test could
/// get it in between.
///
///     let refusing = try RefusingPort()
///     let url = refusing.url(for: "/doc/3")   // http://127.0.0.1:<port>/doc/3, refused
public final class RefusingPort: Sendable {
  /// The port nothing listens at.
  public let port: Int
  private let descriptor: Int32

  /// Binds a free port on 127.0.0.1 without listening on it.
  public init() throws {
    #if canImport(Darwin)
      let fd = socket(AF_INET, SOCK_STREAM, 0)
    #else
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #endif
    guard fd >= 0 else { throw Failure(operation: "socket()", code: errno) }
    var address = sockaddr_in()
    #if canImport(Darwin)
      address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
    #endif
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard bound else {
      let code = errno
      close(fd)
      throw Failure(operation: "bind(127.0.0.1:0)", code: code)
    }
    descriptor = fd
    port = Int(UInt16(bigEndian: address.sin_port))
  }

  deinit {
    close(descriptor)
  }

  /// The URL of `path` at this port, like `http://127.0.0.1:40123/doc/3`; every request for it is refused.
  public func url(for path: String) -> URL {
    let absolutePath = path.hasPrefix("/") ? path : "/" + path
    return URL(string: "http://127.0.0.1:\(port)" + absolutePath) ?? URL(fileURLWithPath: "/")
  }

  /// A socket call that failed, with its `errno`.
  public struct Failure: Error, CustomStringConvertible {
    /// The call that failed.
    public let operation: String
    /// Its `errno`.
    public let code: Int32

    public var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
  }
}
