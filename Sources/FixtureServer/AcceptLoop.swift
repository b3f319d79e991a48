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
    state.withLock { state in
      state.nextConnectionID += 1
      let id = state.nextConnectionID
      let thread = NativeThread.spawn(stackSize: configuration.threadStackSize) { [self] in
        Connection(fd: fd, server: self, shutdownSignal: signal).run()
        connectionThreadFinished(id)
      }
      guard let thread else {
        closeDescriptor(fd)
        return
      }
      state.connectionThreads[id] = thread
      state.counts.acceptedConnections += 1
      state.counts.liveConnections += 1
      state.counts.liveThreads += 1
      state.changed()
    }
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
