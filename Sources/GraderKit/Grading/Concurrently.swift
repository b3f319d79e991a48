import Foundation

/// Calls `body` with each slot of `0..<count`, each on a thread of its own, and returns when all
/// have returned, as `DispatchQueue.concurrentPerform` does.
///
/// `concurrentPerform` runs at most as many slots at once as the machine has cores (two here),
/// however many are asked for. Suites and hand-ins mostly wait on child processes, so `--jobs 8`
/// must mean eight at once.
func concurrently(_ count: Int, _ body: @Sendable (Int) -> Void) {
  withoutActuallyEscaping(body) { body in
    let finished = DispatchGroup()
    for slot in 1..<max(1, count) {
      let job = Job(body)
      finished.enter()
      let thread = Thread {
        job.run(slot)
        finished.leave()
      }
      // The main thread's stack size, not Foundation's smaller default for new threads.
      thread.stackSize = 8 << 20
      thread.start()
    }
    if count > 0 { body(0) }
    finished.wait()
  }
}

/// One slot's call of `body`, which lets go of `body` before the slot reports that it is done, so
/// that no thread still holds it when `concurrently` returns (`withoutActuallyEscaping` checks that).
private final class Job: @unchecked Sendable {
  private var body: (@Sendable (Int) -> Void)?

  init(_ body: @escaping @Sendable (Int) -> Void) {
    self.body = body
  }

  func run(_ slot: Int) {
    guard let body = body.take() else { return }
    body(slot)
  }
}
