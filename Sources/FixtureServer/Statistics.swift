import WorkbookCore

extension FixtureServer {
  /// What the server has seen: a snapshot tests read instead of a clock.
  ///
  /// Counts are keyed by path without the query, so `/doc/7?delay=20` counts as `/doc/7`. A request
  /// is *started* once its head is parsed and accepted, and from then on *in flight* until it ends
  /// one of three ways: *served* (the whole response was written, or `/drop` closed the connection),
  /// *cancelled* (the client closed the connection first), or abandoned because the server shut down
  /// (counted in neither). Heads the server refuses (400, 405, 413, 431, 505) count only in
  /// `rejectedRequests`.
  public struct Statistics: Sendable, Equatable {
    /// Requests started since the last reset.
    public var startedRequests = 0
    /// Requests started since the last reset, by path.
    public var startedByPath: [String: Int] = [:]
    /// Requests served since the last reset, by path.
    public var servedByPath: [String: Int] = [:]
    /// The paths of requests the client abandoned before the response was complete, in the order the
    /// server noticed, since the last reset.
    public var cancelledPaths: [String] = []
    /// Request heads refused with 400, 405, 413, 431 or 505 since the last reset.
    public var rejectedRequests = 0
    /// Connections accepted since the last reset.
    public var acceptedConnections = 0
    /// Connections closed because they sat idle past `Configuration.idleTimeout`, since the last reset.
    public var idleTimeouts = 0
    /// Connections closed because their request head took longer than `Configuration.headTimeout`, since
    /// the last reset.
    public var headTimeouts = 0
    /// Connections answered with 503 because `Configuration.maximumConnections` were open, since the last
    /// reset.
    public var refusedConnections = 0
    /// Requests in flight now.
    public var inFlight = 0
    /// The most requests in flight at once since the last reset.
    public var peakInFlight = 0
    /// Connections open now.
    public var liveConnections = 0
    /// Threads of this server running now: the accept thread and one per connection.
    public var liveThreads = 0
    /// Gates some request waits on now, each holding a pipe until its last waiting request ends.
    public var liveGates = 0

    /// Requests served since the last reset, on every path.
    public var servedRequests: Int { servedByPath.values.reduce(0, +) }

    /// How many requests for `path` were served since the last reset.
    public func served(_ path: String) -> Int { servedByPath[path, default: 0] }

    /// How many requests for `path` were started since the last reset.
    public func started(_ path: String) -> Int { startedByPath[path, default: 0] }
  }
}

extension FixtureServer {
  /// The category of a request's interval in a timeline: from its start to its end, it is in flight.
  public static let requestCategory = "request"

  /// Declares, in the timeline of the test that made this server, a bound on the requests in flight:
  /// `.atMost(3)` for a pool of three, `.together(5)` for five requests that must all overlap. The
  /// timeline then marks the moment it was broken.
  public func traceBound(_ kind: TraceBound.Kind, _ limit: Int) {
    recorder?.bound(
      TraceBound(kind, limit, of: Self.requestCategory, enters: "started", state: "in flight"))
  }

  /// A snapshot of what the server has counted.
  public var statistics: Statistics { state.withLock { $0.counts } }

  /// Starts the counts again from zero; `peakInFlight` starts from the requests in flight now.
  ///
  /// Counts of what exists now (`inFlight`, `liveConnections`, `liveThreads`, `liveGates`) are kept.
  public func resetStatistics() {
    state.withLock { state in
      let counts = state.counts
      var fresh = Statistics()
      fresh.inFlight = counts.inFlight
      fresh.peakInFlight = counts.inFlight
      fresh.liveConnections = counts.liveConnections
      fresh.liveThreads = counts.liveThreads
      fresh.liveGates = counts.liveGates
      state.counts = fresh
      state.changed()
    }
  }

  // MARK: Counting, for connections

  /// Counts a request as started and in flight; returns its lane in the test's timeline, if it records.
  func requestStarted(path: String) -> String? {
    state.withLock { state in
      // Under the lock, so that the timeline's order of starts and ends is the counts' order.
      let lane = recorder.map { recorder in
        let lane = recorder.newLane(prefix: "R")
        recorder.begin(Self.requestCategory, lane: lane, path)
        return lane
      }
      state.counts.startedRequests += 1
      state.counts.startedByPath[path, default: 0] += 1
      state.counts.inFlight += 1
      state.counts.peakInFlight = max(state.counts.peakInFlight, state.counts.inFlight)
      state.changed()
      return lane
    }
  }

  func requestEnded(path: String, outcome: Connection.Outcome, line: String, lane: String?) {
    state.withLock { state in
      if let lane { recorder?.end(Self.requestCategory, lane: lane) }
      state.counts.inFlight -= 1
      switch outcome {
      case .served: state.counts.servedByPath[path, default: 0] += 1
      case .cancelled: state.counts.cancelledPaths.append(path)
      case .abandoned: break
      }
      state.changed()
    }
    configuration.log?(line)
  }

  func noteRejectedRequest(line: String) {
    state.withLock { state in
      state.counts.rejectedRequests += 1
      state.changed()
    }
    configuration.log?(line)
  }

  func noteIdleTimeout() {
    state.withLock { state in
      state.counts.idleTimeouts += 1
      state.changed()
    }
  }

  func noteHeadTimeout() {
    state.withLock { state in
      state.counts.headTimeouts += 1
      state.changed()
    }
  }
}
