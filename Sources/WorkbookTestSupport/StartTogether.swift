/// Runs `body(index)` on `count` test threads that all wait at a start line, then waits for them.
///
/// Like `runOnTestThreads`, but no thread begins `body` until every thread is running, so the
/// threads overlap for sure and none finishes before the last has started: a race in the code
/// under test gets its full chance to show. Returns `false` if some thread had not finished by
/// the deadline: a deadlock.
@discardableResult
public func runOnTestThreadsTogether(
  _ count: Int,
  deadline: Duration = Liveness.deadline,
  _ body: @escaping @Sendable (Int) -> Void
) -> Bool {
  let startLine = Rendezvous(parties: count, deadline: deadline)
  return runOnTestThreads(count, deadline: deadline) { index in
    startLine.arrive()
    body(index)
  }
}
