extension FixtureServer {
  /// How a server listens, what it answers, and how long it lets connections idle.
  public struct Configuration: Sendable {
    /// The port on 127.0.0.1; 0, the default, lets the kernel pick a free one (read it back from `port`).
    public var port: UInt16
    /// The seed every body derives from: the same seed gives the same bodies, a new one changes them all.
    public var seed: UInt64
    /// How long a kept-alive connection may sit without a request (or a stalled reply) before the server
    /// closes it.
    public var idleTimeout: Duration
    /// How long a client may take to send a whole request head, counted from its first byte, so a trickle
    /// of bytes cannot hold a connection forever.
    public var headTimeout: Duration
    /// The largest request head (request line and fields) the server reads; a larger one gets 431.
    public var maximumHeadBytes: Int
    /// The most connections open at once; the server answers any beyond them with 503 and closes them.
    public var maximumConnections: Int
    /// The stack of each connection thread: small, so hundreds of connections cost little memory.
    public var threadStackSize: Int
    /// Called with one line per finished request, like `GET /delay/200 → 200 served`; `nil` logs nothing.
    public var log: (@Sendable (String) -> Void)?

    /// A configuration; a `nil` seed draws a random one, which `FixtureServer.seed` reports.
    public init(
      port: UInt16 = 0,
      seed: UInt64? = nil,
      idleTimeout: Duration = .seconds(30),
      headTimeout: Duration = .seconds(10),
      maximumHeadBytes: Int = 16 * 1024,
      maximumConnections: Int = 512,
      threadStackSize: Int = 512 * 1024,
      log: (@Sendable (String) -> Void)? = nil
    ) {
      self.port = port
      self.seed = seed ?? UInt64.random(in: 1...UInt64.max)
      self.idleTimeout = idleTimeout
      self.headTimeout = headTimeout
      self.maximumHeadBytes = maximumHeadBytes
      self.maximumConnections = maximumConnections
      self.threadStackSize = threadStackSize
      self.log = log
    }
  }
}
