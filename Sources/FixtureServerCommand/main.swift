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

let usage = FixtureServer.CommandLineOptions.usage
let options: FixtureServer.CommandLineOptions
do {
  options = try FixtureServer.CommandLineOptions(parsing: Array(CommandLine.arguments.dropFirst()))
} catch {
  FileHandle.standardError.write(Data("\(error)\n\n\(usage)\n".utf8))
  exit(error.exitCode)
}
if options.wantsHelp {
  print(usage)
  exit(0)
}
let server = FixtureServer(options.configuration(log: options.isQuiet ? nil : say))
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
