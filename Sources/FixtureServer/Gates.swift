extension FixtureServer {
  /// Opens the gate `name`: every request waiting for it is answered, and so is every later one.
  public func openGate(_ name: String) {
    state.withLock { state in
      guard state.openedGates.insert(name).inserted else { return }
      state.gates[name]?.fire()
    }
  }

  enum GateState {
    case open
    case closed(PollableSignal)
    /// The server is shutting down: the request ends unanswered, like every other waiting request.
    case stopping
    /// The gate's pipe could not be made: no descriptors left.
    case unavailable
  }

  /// The gate `name` as a request sees it, creating its signal the first time a request waits for it.
  func gate(named name: String) -> GateState {
    state.withLock { state in
      if state.openedGates.contains(name) { return .open }
      if let signal = state.gates[name] { return .closed(signal) }
      guard state.phase == .running else { return .stopping }
      guard let signal = try? PollableSignal() else { return .unavailable }
      state.gates[name] = signal
      return .closed(signal)
    }
  }
}
