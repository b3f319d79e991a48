import FixtureServer
import Foundation
import Testing
import WorkbookTestSupport

extension FixtureServerTests {
  @Test(
    "a client trickling its request head is closed once the head deadline passes, before the head is whole")
  func tricklingHeadIsClosed() throws {
    var random = WorkbookRandom()
    // Long enough that trickling all of it would take far longer than the liveness deadline.
    let head = Array(
      RawClient.head(
        "/page/\(random.word(length: 4...10))", fields: ["X-Filler: " + String(repeating: "f", count: 4000)]
      )
      .utf8)
    let configuration = FixtureServer.Configuration(
      seed: random.next(), idleTimeout: .seconds(30), headTimeout: .milliseconds(random.int(in: 200...600)))
    try FixtureServer.withRunning(configuration) { server in
      let client = try RawClient(port: server.port)
      let sent = try client.trickle(head, interval: .milliseconds(20))
      #expect(sent < head.count, "the server read the whole trickled head")
      #expect(server.waitUntil { $0.headTimeouts == 1 && $0.liveConnections == 0 })
      #expect(server.statistics.idleTimeouts == 0, "the idle timer, not the head deadline, closed it")
      #expect(server.statistics.startedRequests == 0)

      // A head sent whole is served as before.
      let path = random.path()
      let prompt = try RawClient(port: server.port)
      try prompt.request(path)
      #expect(Data(try prompt.readResponse().body) == server.expectedBody(for: path))
    }
  }

  @Test("connections beyond the cap get 503 and a close, and the cap frees up as connections end")
  func connectionsBeyondTheCapGet503() throws {
    var random = WorkbookRandom()
    let cap = random.int(in: 1...4)
    let extra = random.int(in: 1...3)
    let path = random.path()
    try FixtureServer.withRunning(.init(seed: random.next(), maximumConnections: cap)) { server in
      let holding = try (0..<cap).map { _ in
        let client = try RawClient(port: server.port)
        try client.request("/hang")
        return client
      }
      #expect(server.waitUntil(inFlight: cap))

      for _ in 0..<extra {
        // Nothing sent: the answer comes unasked, and no unread request can turn the close into a reset.
        let refused = try RawClient(port: server.port)
        let response = try refused.readResponse()
        #expect(response.status == 503)
        #expect(response.fields["connection"] == "close")
        #expect(try refused.readUntilClosed().isEmpty)
      }
      #expect(server.waitUntil { $0.refusedConnections == extra })
      #expect(server.statistics.liveConnections == cap)
      #expect(server.statistics.acceptedConnections == cap)

      for client in holding { client.close() }
      #expect(server.waitUntil { $0.liveConnections == 0 })
      let admitted = try RawClient(port: server.port)
      try admitted.request(path)
      #expect(Data(try admitted.readResponse().body) == server.expectedBody(for: path))
      #expect(server.statistics.refusedConnections == extra)
    }
  }

  @Test("a gate's pipe is freed once no request waits on it, whether the gate opened or its clients left")
  func gatePipesAreFreed() throws {
    var random = WorkbookRandom()
    let (opened, abandoned) = (random.word(length: 4...10), random.word(length: 4...10) + "2")
    let count = random.int(in: 2...6)
    try FixtureServer.withRunning(.init(seed: random.next())) { server in
      #expect(server.statistics.liveGates == 0)
      let released = try requests(count, through: opened, on: server)
      let leaving = try requests(1, through: abandoned, on: server)
      // A request counts as in flight a moment before it reaches its gate, so wait for both counts.
      #expect(
        server.waitUntil { $0.inFlight == count + 1 && $0.liveGates == 2 },
        "one pipe per gate, however many requests wait on it")

      server.openGate(opened)
      for client in released { _ = try client.readResponse() }
      #expect(server.waitUntil { $0.liveGates == 1 && $0.inFlight == 1 })

      for client in leaving { client.close() }
      #expect(server.waitUntil { $0.liveGates == 0 && $0.inFlight == 0 })

      // An opened gate needs no pipe: a later request passes at once, a new wait makes a new pipe.
      let later = try requests(1, through: opened, on: server)
      _ = try later[0].readResponse()
      let again = try requests(1, through: abandoned, on: server)
      #expect(server.waitUntil { $0.liveGates == 1 && $0.inFlight == 1 })
      server.openGate(abandoned)
      _ = try again[0].readResponse()
      #expect(server.waitUntil { $0.liveGates == 0 && $0.inFlight == 0 })
    }
  }
}

/// The `fixture-server` command's options, as `FixtureServer.CommandLineOptions` parses and checks them.
typealias Options = FixtureServer.CommandLineOptions

extension FixtureServerTests {
  @Test("the command's good option values become the configuration, timeouts in whole milliseconds")
  func goodValuesAreTaken() throws {
    let options = try Options(parsing: [
      "--port", "8080", "--seed", "42", "--idle-timeout", "0.0015", "--head-timeout", "86400",
      "--max-connections", "3", "--quiet",
    ])
    #expect(options.port == 8080)
    #expect(options.seed == 42)
    #expect(options.idleTimeout == .milliseconds(2))
    #expect(options.headTimeout == .seconds(86_400))
    #expect(options.maximumConnections == 3)
    #expect(options.isQuiet)
    let configuration = options.configuration(log: nil)
    #expect(configuration.idleTimeout == .milliseconds(2))
    #expect(configuration.headTimeout == .seconds(86_400))
    #expect(configuration.maximumConnections == 3)
    #expect(configuration.seed == 42)

    #expect(try Options(parsing: []) == Options())
    #expect(try Options(parsing: ["--help"]).wantsHelp)
  }

  @Test(
    "a command option that is no number, not finite, negative, zero once rounded or absurdly large exits 2",
    arguments: [
      ["--idle-timeout", "inf"], ["--idle-timeout", "-inf"], ["--idle-timeout", "nan"],
      ["--idle-timeout", "1e308"], ["--idle-timeout", "86400.5"], ["--idle-timeout", "0.0001"],
      ["--idle-timeout", "0"], ["--idle-timeout", "-1"], ["--idle-timeout", "ten"], ["--idle-timeout", ""],
      ["--head-timeout", "infinity"], ["--head-timeout", "0.0004"], ["--head-timeout", "1e9"],
      ["--port", "65536"], ["--port", "-1"], ["--port", "80.5"], ["--seed", "-3"], ["--seed", "1e3"],
      ["--max-connections", "0"], ["--max-connections", "10001"], ["--max-connections", "many"],
      ["--idle-timeout"], ["--port"], ["--bogus"],
    ])
  func badValuesAreRefused(_ arguments: [String]) {
    #expect {
      try Options(parsing: arguments)
    } throws: { error in
      guard let error = error as? FixtureServer.CommandLineError else { return false }
      // The message names the option, so the user knows which one to fix.
      return error.exitCode == 2 && error.message.contains(arguments[0])
    }
  }
}
