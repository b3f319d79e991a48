#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension FixtureServer {
  /// The accept thread: hands each new connection to a thread of its own until the shutdown signal.
  func acceptConnections(listener: Int32, signal: PollableSignal) {
    defer {
      closeDescriptor(listener)
      state.withLock { state in
        state.counts.liveThreads -= 1
        state.changed()
      }
    }
    while true {
      var fds = [
        pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
        pollfd(fd: signal.readEnd, events: Int16(POLLIN), revents: 0),
      ]
      _ = pollRetrying(&fds, timeout: -1)
      if fds[1].revents != 0 { return }
      acceptPending(listener: listener, signal: signal)
      joinFinishedThreads()
    }
  }

  /// Accepts every connection waiting on the listener.
  private func acceptPending(listener: Int32, signal: PollableSignal) {
    while true {
      let fd = accept(listener, nil, nil)
      if fd < 0 {
        switch errno {
        case EINTR, ECONNABORTED:
          continue
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
          // Out of descriptors: give connections a moment to close rather than spin on a ready listener.
          var fds = [pollfd(fd: signal.readEnd, events: Int16(POLLIN), revents: 0)]
          _ = pollRetrying(&fds, timeout: 50)
          return
        default:
          return
        }
      }
      guard configureConnection(fd) else {
        closeDescriptor(fd)
        continue
      }
      startConnectionThread(fd: fd, signal: signal)
    }
  }

  private func startConnectionThread(fd: Int32, signal: PollableSignal) {
    // Locked across the spawn, so the thread cannot finish before it is registered.
    let admitted = state.withLock { state in
      guard state.counts.liveConnections < configuration.maximumConnections else {
        state.counts.refusedConnections += 1
        state.changed()
        return false
      }
      state.nextConnectionID += 1
      let id = state.nextConnectionID
      let thread = NativeThread.spawn(stackSize: configuration.threadStackSize) { [self] in
        Connection(fd: fd, server: self, shutdownSignal: signal).run()
        connectionThreadFinished(id)
      }
      guard let thread else {
        closeDescriptor(fd)
        return true
      }
      state.connectionThreads[id] = thread
      state.counts.acceptedConnections += 1
      state.counts.liveConnections += 1
      state.counts.liveThreads += 1
      state.changed()
      return true
    }
    if !admitted { refuseConnection(fd, limit: configuration.maximumConnections) }
  }

  /// The last thing a connection thread does, after closing its socket.
  private func connectionThreadFinished(_ id: Int) {
    state.withLock { state in
      if let thread = state.connectionThreads.removeValue(forKey: id) {
        state.finishedThreads.append(thread)
      }
      state.counts.liveConnections -= 1
      state.counts.liveThreads -= 1
      state.changed()
    }
  }

  /// Joins the connection threads that have ended, so their stacks are freed while the server runs.
  private func joinFinishedThreads() {
    let finished = state.withLock { state in
      defer { state.finishedThreads = [] }
      return state.finishedThreads
    }
    for thread in finished { thread.join() }
  }
}

/// Answers a connection beyond `maximumConnections` with 503 and closes it, without a thread of its own.
///
/// The answer fits the new socket's empty buffer, so the one non-blocking write never holds up the accept
/// thread. Reading what already arrived before closing keeps the kernel from resetting the connection
/// over unread bytes; a request that comes later may still meet a reset.
private func refuseConnection(_ fd: Int32, limit: Int) {
  let response = PlannedResponse(
    status: 503, text: "\(limit) connections are open, the most this server serves\n")
  let bytes = response.head(keepAlive: false) + response.body.bytes
  _ = bytes.withUnsafeBytes { buffer in
    buffer.baseAddress.map { sendWithoutSignal(fd, $0, buffer.count) } ?? 0
  }
  shutdown(fd, Int32(SHUT_WR))
  // Bounded, so a client that floods cannot keep the accept thread here.
  var scratch = [UInt8](repeating: 0, count: 4096)
  for _ in 0..<16 where scratch.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 {}
  closeDescriptor(fd)
}
