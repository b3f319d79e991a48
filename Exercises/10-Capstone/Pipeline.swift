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
    // TODO: connect the stages of the lesson's picture: the fetch pool, `counters` counter threads,
    // and a bounded queue between each stage and the next; each queue closes after its last producer.
    // TODO: add up the counts on this thread while the stages run, without ever deadlocking; return
    // only once every thread started here has finished, and throw the pool's error if it has one.
    throw WorkbookError.notImplemented
  }
}
