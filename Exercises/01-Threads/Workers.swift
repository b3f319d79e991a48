import WorkbookSupport

/// Runs `work(0)`, `work(1)`, … `work(count - 1)`, each on a thread of its own, all at the same
/// time, and returns once every one of them has finished.
///
/// This is the guide's first example: start three workers, then join them all. Start every
/// thread before you join the first, or the workers run one after another.
///
/// Lesson: README.md, section "Starting several workers".
public func runWorkers(count: Int, work: @escaping @Sendable (_ index: Int) -> Void) throws {
  // TODO: run each worker on a `JoinableThread` of its own, all of them at once, and return
  // only after the last one has finished.
  throw WorkbookError.notImplemented
}
