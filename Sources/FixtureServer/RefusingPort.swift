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
  public init() throws(FixtureServerError) {
    (descriptor, port) = try LoopbackSocket.bound(port: 0)
  }

  deinit {
    close(descriptor)
  }

  /// The URL of `path` at this port, like `http://127.0.0.1:40123/doc/3`; every request for it is refused.
  public func url(for path: String) -> URL {
    let absolutePath = path.hasPrefix("/") ? path : "/" + path
    return URL(string: "http://127.0.0.1:\(port)" + absolutePath) ?? URL(fileURLWithPath: "/")
  }
}
