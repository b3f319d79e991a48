// `fixture-server`: runs the workbook's loopback HTTP server until you press Ctrl-C.
//
//     $ swift run fixture-server --port 8080
//     Fixture server listening on http://127.0.0.1:8080 (seed 48213)
//     ...
//     GET /doc/1 → 200 served
//     ^C
//     Stopped after 1 request.
import FixtureServer
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let usage = """
  USAGE: fixture-server [--port <port>] [--seed <seed>] [--idle-timeout <seconds>] [--quiet]

  Runs the workbook's fixture server on 127.0.0.1 until you press Ctrl-C.

  OPTIONS:
    --port <port>             The port to listen on; 0 picks a free one. (default: 0)
    --seed <seed>             The seed every body derives from. (default: a random one)
    --idle-timeout <seconds>  How long a kept-alive connection may idle. (default: 30)
    --quiet                   Don't print a line for each request.
    -h, --help                Show this help.
  """

/// Prints `message` and the usage to standard error and exits with the usage error status.
func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("error: \(message)\n\n\(usage)\n".utf8))
  exit(64)
}

/// The command-line options, read from `arguments` (without the program name).
struct Options {
  var port: UInt16 = 0
  var seed: UInt64?
  var idleTimeout: Duration = .seconds(30)
  var isQuiet = false

  init(_ arguments: [String]) {
    var remaining = arguments[...]
    while let argument = remaining.popFirst() {
      switch argument {
      case "-h", "--help":
        print(usage)
        exit(0)
      case "--quiet":
        isQuiet = true
      case "--port", "--seed", "--idle-timeout":
        guard let value = remaining.popFirst() else { fail("\(argument) needs a value") }
        switch argument {
        case "--port":
          guard let port = UInt16(value) else { fail("--port takes a number from 0 to 65535, not \(value)") }
          self.port = port
        case "--seed":
          guard let seed = UInt64(value) else { fail("--seed takes a whole number, not \(value)") }
          self.seed = seed
        default:
          guard let seconds = Double(value), seconds > 0 else {
            fail("--idle-timeout takes seconds, not \(value)")
          }
          idleTimeout = .milliseconds(Int(seconds * 1000))
        }
      default:
        fail("unknown argument \(argument)")
      }
    }
  }
}

/// Writes a line to standard output at once, unbuffered, so a script reading the output sees the URL
/// as soon as it is printed; safe from the connection threads that log requests.
@Sendable func say(_ line: String = "") {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// Ctrl-C (SIGINT) and `kill` (SIGTERM) stop the server. Blocked here, before any thread starts, so
// every thread inherits the mask and the signals wait for `sigwait` below instead of killing the process.
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGINT)
sigaddset(&stopSignals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

let options = Options(Array(CommandLine.arguments.dropFirst()))
let log: (@Sendable (String) -> Void)? = options.isQuiet ? nil : say
let server = FixtureServer(
  .init(port: options.port, seed: options.seed, idleTimeout: options.idleTimeout, log: log))
do {
  try server.start()
} catch {
  FileHandle.standardError.write(Data("\(error)\n".utf8))
  exit(1)
}

say("Fixture server listening on \(server.baseURL.absoluteString) (seed \(server.seed))")
say()
say("Routes:")
for route in FixtureServer.routes {
  say("  " + route.listing)
}
say()
say("Try: curl \(server.url(for: "/doc/1").absoluteString)")
say("Press Ctrl-C to stop.")

var received: Int32 = 0
sigwait(&stopSignals, &received)
server.shutdown()
let served = server.statistics.servedRequests
say()
say("Stopped after \(served) request\(served == 1 ? "" : "s").")
