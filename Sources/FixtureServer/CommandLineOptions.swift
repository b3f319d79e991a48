extension FixtureServer {
  /// The `fixture-server` command's options, parsed and checked here so the checks can be tested.
  public struct CommandLineOptions: Sendable, Equatable {
    public var port: UInt16 = 0
    public var seed: UInt64?
    public var idleTimeout = Configuration(seed: 1).idleTimeout
    public var headTimeout = Configuration(seed: 1).headTimeout
    public var maximumConnections = Configuration(seed: 1).maximumConnections
    public var isQuiet = false
    /// Whether `-h` or `--help` asked for the usage instead of a server.
    public var wantsHelp = false

    /// The longest timeout the command takes: a day, far beyond any session at the keyboard.
    public static let maximumSeconds = 86_400.0
    /// The most connections the command lets a server hold open, each on a thread of its own.
    public static let connectionLimit = 10_000

    public static let usage = """
      USAGE: fixture-server [--port <port>] [--seed <seed>] [--idle-timeout <seconds>]
                            [--head-timeout <seconds>] [--max-connections <count>] [--quiet]

      Runs the workbook's fixture server on 127.0.0.1 until you press Ctrl-C.

      OPTIONS:
        --port <port>              The port to listen on, 0 to 65535; 0 picks a free one. (default: 0)
        --seed <seed>              The seed every body derives from. (default: a random one)
        --idle-timeout <seconds>   How long a kept-alive connection may idle, 0.001 to 86400. (default: 30)
        --head-timeout <seconds>   How long a client may take to send a request head, 0.001 to 86400.
                                   (default: 10)
        --max-connections <count>  Connections open at once, 1 to 10000; more get 503. (default: 512)
        --quiet                    Don't print a line for each request.
        -h, --help                 Show this help.
      """

    /// The defaults: what the command runs with when given no options.
    public init() {}

    /// Reads `arguments` (without the program name), throwing at the first missing, unknown or out-of-range one.
    public init(parsing arguments: [String]) throws(CommandLineError) {
      var remaining = arguments[...]
      while let argument = remaining.popFirst() {
        switch argument {
        case "-h", "--help":
          wantsHelp = true
        case "--quiet":
          isQuiet = true
        case "--port", "--seed", "--idle-timeout", "--head-timeout", "--max-connections":
          guard let value = remaining.popFirst() else { throw CommandLineError("\(argument) needs a value") }
          switch argument {
          case "--port":
            guard let port = UInt16(value) else {
              throw CommandLineError("--port takes a number from 0 to 65535, not \(value)")
            }
            self.port = port
          case "--seed":
            guard let seed = UInt64(value) else {
              throw CommandLineError("--seed takes a whole number from 0 to \(UInt64.max), not \(value)")
            }
            self.seed = seed
          case "--idle-timeout":
            idleTimeout = try Self.duration(value, for: argument)
          case "--head-timeout":
            headTimeout = try Self.duration(value, for: argument)
          default:
            guard let count = Int(value), (1...Self.connectionLimit).contains(count) else {
              throw CommandLineError(
                "--max-connections takes a number from 1 to \(Self.connectionLimit), not \(value)")
            }
            maximumConnections = count
          }
        default:
          throw CommandLineError("unknown argument \(argument)")
        }
      }
    }

    /// A configuration with these options, logging each finished request to `log`.
    public func configuration(log: (@Sendable (String) -> Void)?) -> Configuration {
      Configuration(
        port: port, seed: seed, idleTimeout: idleTimeout, headTimeout: headTimeout,
        maximumConnections: maximumConnections, log: log)
    }

    /// Seconds as a whole number of milliseconds, the finest a timeout goes; throws for what is no timeout.
    static func duration(_ value: String, for option: String) throws(CommandLineError) -> Duration {
      let range = "from 0.001 to \(Int(maximumSeconds))"
      guard let seconds = Double(value), seconds.isFinite, seconds > 0 else {
        throw CommandLineError("\(option) takes a number of seconds \(range), not \(value)")
      }
      guard seconds <= maximumSeconds else {
        throw CommandLineError("\(option) takes at most \(Int(maximumSeconds)) seconds (a day), not \(value)")
      }
      // Checked after rounding, so 0.0001 is refused instead of becoming a timeout of 0.
      let milliseconds = (seconds * 1000).rounded()
      guard milliseconds >= 1 else {
        throw CommandLineError(
          "\(option) takes a number of seconds \(range), not \(value), which rounds to 0 ms")
      }
      return .milliseconds(Int64(milliseconds))
    }
  }

  /// An argument the `fixture-server` command refuses: a message for standard error and the exit status 2.
  public struct CommandLineError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, naming the option and the value.
    public var message: String

    public init(_ message: String) { self.message = message }

    /// The status the command exits with: 2, as for every misuse of a command.
    public var exitCode: Int32 { 2 }

    public var description: String { "error: \(message)" }
  }
}
