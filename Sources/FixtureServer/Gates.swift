extension FixtureServer {
  /// Opens the gate `name`: every request waiting for it is answered, and so is every later one.
  public func openGate(_ name: String) {
    state.withLock { state in
      guard state.openedGates.insert(name).inserted else { return }
      state.gates[name]?.signal.fire()
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

  /// The gate `name` as a request sees it; `.closed` counts the request as waiting until `leaveGate`.
  func enterGate(named name: String) -> GateState {
    state.withLock { state in
      if state.openedGates.contains(name) { return .open }
      if var gate = state.gates[name] {
        gate.waiting += 1
        state.gates[name] = gate
        return .closed(gate.signal)
      }
      guard state.phase == .running else { return .stopping }
      guard let signal = try? PollableSignal() else { return .unavailable }
      state.gates[name] = Gate(signal: signal, waiting: 1)
      state.counts.liveGates += 1
      state.changed()
      return .closed(signal)
    }
  }

  /// Ends a wait `enterGate` returned `.closed` for, closing the gate's pipe if no other request waits.
  ///
  /// The pipe goes also when the gate never opened: the next request to wait for it makes a new one.
  func leaveGate(named name: String) {
    state.withLock { state in
      guard var gate = state.gates[name] else { return }
      gate.waiting -= 1
      guard gate.waiting == 0 else {
        state.gates[name] = gate
        return
      }
      // Under the lock, so `openGate` never fires a closed pipe; no thread polls it any more.
      gate.signal.close()
      state.gates[name] = nil
      state.counts.liveGates -= 1
      state.changed()
    }
  }
}
