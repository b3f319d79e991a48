/// The error a finished call or task threw, if it threw one.
public func error<Value>(in outcome: Result<Value, any Error>?) -> (any Error)? {
  guard case .failure(let error) = outcome else { return nil }
  return error
}

/// What a call or task did, for a failure message; `nil` is one still running at the deadline.
public func describe<Value>(_ outcome: Result<Value, any Error>?) -> String {
  guard let outcome else { return "it was still running at the deadline" }
  return describe(outcome)
}

/// What a finished call or task did, for a failure message.
public func describe<Value>(_ outcome: Result<Value, any Error>) -> String {
  switch outcome {
  case .success: "it returned"
  case .failure(let error): "it threw \(error)"
  }
}

/// What a call has done so far, for a failure message.
public func describe<Value>(_ call: BackgroundCall<Value>) -> String {
  guard call.isFinished else { return "it is still running" }
  return call.result().map { describe($0) + " at once" } ?? "it is still running"
}

/// What some calls have done so far, for a failure message.
public func describe<Value>(_ calls: [BackgroundCall<Value>]) -> String {
  let finished = calls.filter(\.isFinished).count
  return finished == 0 ? "none returned" : "\(finished) of \(calls.count) returned at once"
}

/// The outcomes of `calls`, all awaited within one liveness deadline; `nil` for a call still running.
public func outcomes<Value: Sendable>(of calls: [BackgroundCall<Value>]) async -> [Result<Value, any Error>?]
{
  let limit = ContinuousClock.now + Liveness.deadline
  var outcomes: [Result<Value, any Error>?] = []
  for call in calls {
    outcomes.append(await call.outcome(deadline: max(.zero, limit - ContinuousClock.now)))
  }
  return outcomes
}
