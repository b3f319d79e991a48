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
  // TODO: run `body` on every chunk at once, each on a thread of its own, with no lock held while
  // it computes; return once every chunk is done, with the results in chunk order.
  throw WorkbookError.notImplemented
}
