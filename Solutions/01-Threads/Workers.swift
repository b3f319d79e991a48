import WorkbookSupport

/// Runs `work(0)`, `work(1)`, … `work(count - 1)`, each on a thread of its own, all at the same
/// time, and returns once every one of them has finished.
///
/// This is the guide's first example: start three workers, then join them all. Start every
/// thread before you join the first, or the workers run one after another.
///
/// Lesson: README.md, section "Starting several workers".
public func runWorkers(count: Int, work: @escaping @Sendable (_ index: Int) -> Void) throws {
  // Two loops, not one: every worker is running before the first `join()` blocks, so the
  // workers overlap. Joining inside the first loop would run them one at a time.
  let threads = (0..<count).map { index in
    JoinableThread(name: "worker-\(index)") { work(index) }
  }
  for thread in threads {
    thread.start()
  }
  for thread in threads {
    thread.join()
  }
}
