extension FixtureServer {
  /// Runs `body` with a started server, and shuts the server down when `body` returns or throws.
  ///
  /// Pass a seed from `WorkbookRandom`, so a failing run can be replayed; Routes.swift shows a whole test.
  public static func withRunning<Result>(
    _ configuration: Configuration = Configuration(),
    _ body: (FixtureServer) throws -> Result
  ) throws -> Result {
    let server = FixtureServer(configuration)
    try server.start()
    defer { server.shutdown() }
    return try body(server)
  }

  /// Runs `body` with a started server, and shuts the server down when `body` returns or throws.
  public static func withRunning<Result>(
    _ configuration: Configuration = Configuration(),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (FixtureServer) async throws -> Result
  ) async throws -> Result {
    let server = FixtureServer(configuration)
    try server.start()
    defer { server.shutdown() }
    return try await body(server)
  }

  /// Binds 127.0.0.1, starts accepting connections, and returns once `port` is known.
  ///
  /// A server starts once; starting it again, or after `shutdown()`, throws.
  public func start() throws {
    try state.withLock { state throws(FixtureServerError) in
      guard state.phase == .ready else {
        throw FixtureServerError(operation: "start() on a server already started", code: 0)
      }
      state.phase = .starting
    }
    do {
      let signal = try PollableSignal()
      let listener: (fd: Int32, port: Int)
      do {
        listener = try openListener(port: configuration.port)
      } catch {
        signal.close()
        throw error
      }
      try state.withLock { state throws(FixtureServerError) in
        state.counts.liveThreads += 1
        guard
          let thread = NativeThread.spawn(
            stackSize: configuration.threadStackSize,
            { [self] in acceptConnections(listener: listener.fd, signal: signal) })
        else {
          state.counts.liveThreads -= 1
          closeDescriptor(listener.fd)
          signal.close()
          throw FixtureServerError(operation: "starting the accept thread", code: 0)
        }
        state.acceptThread = thread
        state.shutdownSignal = signal
        state.port = listener.port
        state.phase = .running
        state.changed()
      }
    } catch {
      // A server that failed to start is stopped: `shutdown()` returns at once, `start()` throws again.
      state.withLock { state in
        state.phase = .stopped
        state.changed()
      }
      throw error
    }
  }

  /// Stops the server: closes the listener and every connection, and returns once every thread has ended.
  ///
  /// Requests still waiting (on a delay, a gate or `/hang`) end without an answer and are counted as
  /// neither served nor cancelled. Calling it again, or on a server never started, does nothing. Never
  /// call it from the `log` closure, which runs on a connection thread.
  public func shutdown() {
    // Waits out a `start()` or a `shutdown()` on another thread, then takes what this one stops.
    let stopping = blockUntil { state -> Stopping? in
      switch state.phase {
      case .starting, .stopping:
        return nil
      case .running:
        state.phase = .stopping
        defer { state.acceptThread = nil }
        return .running(state.shutdownSignal, state.acceptThread)
      case .ready, .stopped:
        state.phase = .stopped
        return .notRunning
      }
    }
    guard case .running(let signal, let accepting) = stopping else { return }

    // The signal wakes the accept thread and every connection thread out of `poll`.
    signal?.fire()
    accepting?.join()
    // The accept thread has ended, so no connection thread starts any more: wait for the rest.
    let finished = blockUntil { state -> [NativeThread]? in
      guard state.connectionThreads.isEmpty else { return nil }
      defer { state.finishedThreads = [] }
      return state.finishedThreads
    }
    for thread in finished { thread.join() }

    state.withLock { state in
      // No thread polls a signal any more, so the pipes can close. Under the lock, so `openGate` never
      // writes to a closed descriptor.
      for gate in state.gates.values { gate.signal.close() }
      state.gates = [:]
      state.counts.liveGates = 0
      signal?.close()
      state.shutdownSignal = nil
      state.phase = .stopped
      state.changed()
    }
  }

  /// What `shutdown()` found: a running server's signal and accept thread, or nothing to stop.
  private enum Stopping {
    case running(PollableSignal?, NativeThread?)
    case notRunning
  }
}
