import FixtureServer
import Foundation
import Synchronization

extension Demo {
  /// Chapter 6: the guide's `ThreadPoolExecutor(max_workers=3)` with `as_completed`.
  static let threadPools = Demo(
    number: "06", title: "Thread pools",
    summary: "five fetches on a pool of three threads, reported in the order they complete",
    run: runThreadPools)
}

private func runThreadPools() throws {
  try FixtureServer.withRunning(freshServer()) { server in
    let delays = [400, 100, 300, 50, 200]
    let urls = delays.enumerated().map { server.url(for: "/doc/\($0.offset + 1)?delay=\($0.element)") }
    print("Submitted in this order: " + urls.map(shortName).joined(separator: ", "))
    print()

    // The pool: three worker threads that take the next URL off a shared list until none is left.
    // (Python's executor does the same with a queue; chapter 6 builds one with a condition.)
    let next = Atomic(0)
    // Each finished fetch is put on `completed` and counted by `done`, so the loop below can take
    // the results in the order they complete: Python's `as_completed`.
    let completed = Mutex<[(url: URL, status: Int, time: Duration)]>([])
    let done = DispatchSemaphore(value: 0)
    let clock = ContinuousClock()
    let start = clock.now
    for worker in 0..<3 {
      let thread = Thread {
        while case let index = next.add(1, ordering: .relaxed).oldValue, index < urls.count {
          let (answer, time) = timed { get(urls[index]) }
          let status = (try? answer.get().status) ?? 0
          completed.withLock { $0.append((urls[index], status, time)) }
          done.signal()
        }
      }
      thread.name = "pool worker \(worker)"
      thread.start()
    }
    for index in 0..<urls.count {
      done.wait()
      let result = completed.withLock { $0[index] }
      print("Fetched \(shortName(result.url)) - Status: \(result.status) in \(result.time.seconds)")
    }
    let elapsed = start.duration(to: clock.now)

    print()
    print("The order of completion, not of submission: a fast page never waits behind a slow one.")
    print(
      "Three workers fetched five pages in \(elapsed.seconds); the server saw at most "
        + "\(server.statistics.peakInFlight) requests at once.")
  }
}
