import CapstoneGiven
import Foundation
import WorkbookSupport

/// The whole program: a pool of threads fetches the documents, more threads count their words,
/// and the calling thread adds the counts up.
///
/// `run(_:fetch:)` wires the pieces together with two `BoundedQueue`s of `capacity` elements:
/// a `FetchPool` of `fetchers` threads puts documents into the first; `counters` threads (each a
/// `WorkerThread` counted in `census`) take documents from it, count their words with
/// `countWords(in:)` and put the counts into the second; and the calling thread takes the counts
/// from the second into a `WordTally`. `run` returns the tally only after every thread it started
/// has finished. If a fetch throws, `run` throws that error, also only after every thread has
/// finished.
///
/// Lesson: README.md, section "Wiring the pipeline".
public struct Pipeline: Sendable {
  /// How many threads fetch documents.
  public let fetchers: Int
  /// How many threads count words.
  public let counters: Int
  /// How many elements each of the two queues holds at most.
  public let capacity: Int
  /// Where every thread the pipeline starts is counted.
  public let census: ThreadCensus

  /// A pipeline of `fetchers` fetcher threads and `counters` counter threads (at least one each),
  /// joined by queues of `capacity` elements.
  public init(fetchers: Int, counters: Int, capacity: Int, census: ThreadCensus = ThreadCensus()) {
    self.fetchers = max(1, fetchers)
    self.counters = max(1, counters)
    self.capacity = max(1, capacity)
    self.census = census
  }

  /// Fetches every URL, counts the words of every document and returns the totals.
  public func run(_ urls: [URL], fetch: @escaping @Sendable (URL) throws -> String) throws -> WordTally {
    // Both queues are bounded, so a fast stage waits for a slow one instead of piling up its
    // output in memory: backpressure, from the last stage back to the first.
    let documents = BoundedQueue<Document>(capacity: capacity)
    let counts = BoundedQueue<[String: Int]>(capacity: capacity)
    let pool = FetchPool(fetchers: fetchers, census: census, fetch: fetch)
    try pool.start(urls, into: documents)

    // Counting is pure CPU work and Swift has no GIL, so these threads really run in parallel,
    // one a core. The counts queue closes when the last counter is done, as in the fetch pool;
    // until then a counter never finds it closed, so its `put` cannot throw.
    let counting = DispatchGroup()
    let counterThreads = (0..<counters).map { index in
      counting.enter()
      return WorkerThread(name: "counter-\(index)", census: census) {
        while let document = documents.take() {
          try? counts.put(countWords(in: document.text))
        }
        counting.leave()
      }
    }
    counting.notify(queue: .global()) { counts.close() }
    for thread in counterThreads {
      thread.start()
    }

    // This thread drains the last queue while the others fill it; joining first would deadlock
    // as soon as the queues filled up. The tally is this thread's alone, so it needs no lock.
    // Every thread is joined before `run` returns or throws, so none outlives the call.
    var tally = WordTally()
    while let partial = counts.take() {
      tally.add(partial)
    }
    for thread in counterThreads {
      thread.join()
    }
    try pool.join()
    return tally
  }
}
