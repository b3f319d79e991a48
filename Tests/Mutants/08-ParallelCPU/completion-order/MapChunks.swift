// Mutant: results in completion order (lesson: "Keeping each result at its chunk's index also keeps the order").
import Foundation
import Synchronization
import WorkbookSupport

/// Runs `body` on every chunk of `0..<n` at the same time, each chunk on a thread of its own,
/// and returns the chunks' results in chunk order.
///
/// This is the guide's two-threads experiment, done so it pays off: cut the work with
/// `chunks(upTo:count:)`, give each of the `workers` chunks a thread, and wait for them all.
/// Each thread computes its result on its own, with no lock, and stores it once, in the slot
/// of its chunk; the results come back in chunk order whatever order the threads finish in.
///
///     let sizes = try mapChunks(upTo: 10, workers: 3) { chunk in chunk.count }   // [4, 3, 3]
///
/// Lesson: README.md, section "One slot per chunk".
public func mapChunks<Result: Sendable>(
  upTo n: Int,
  workers: Int,
  _ body: @escaping @Sendable (Range<Int>) -> Result
) throws -> [Result] {
  let work = chunks(upTo: n, count: workers)
  let slots = Slots<Result>(count: work.count)
  let finished = DispatchGroup()
  // A thread of its own for every chunk: the operating system runs them at the same time on
  // every core there is. A shared pool such as `concurrentPerform` may run chunks one after
  // another when its threads are busy, which is fine for speed but breaks the promise above.
  for (index, chunk) in work.enumerated() {
    finished.enter()
    let thread = Thread {
      // All the work happens here, outside any lock: only the finished result is shared.
      let result = body(chunk)
      // The mutant: results go in the order the chunks finish, not at their chunk's index.
      slots.append(result)
      finished.leave()
    }
    thread.name = "chunk-\(index)"
    thread.start()
  }
  // Every thread has stored its result before it leaves the group, so after `wait()` every
  // slot is full, and the group's wait makes those stores visible to this thread.
  finished.wait()
  return slots.results()
}

/// One result slot for each chunk, filled once by the chunk's own thread.
private final class Slots<Result: Sendable>: Sendable {
  // The lock is taken once per chunk, to store a finished result, never once per element: it
  // is never contended long enough to slow the work down.
  private let storage: Mutex<[Result?]>

  init(count: Int) {
    storage = Mutex(Array(repeating: nil, count: count))
  }

  func store(_ result: Result, at index: Int) {
    storage.withLock { $0[index] = result }
  }

  func append(_ result: Result) {
    storage.withLock { slots in
      slots[slots.firstIndex { $0 == nil } ?? 0] = result
    }
  }

  func results() -> [Result] {
    storage.withLock { slots in slots.map { $0! } }
  }
}
