import CapstoneGiven
import Foundation
import Synchronization
import WorkbookSupport

/// A fixed number of fetcher threads that fetch URLs and put each document into a queue: the
/// I/O-bound stage of the pipeline.
///
/// `start(_:into:)` starts `fetchers` threads, each a `WorkerThread` counted in `census`, and
/// returns at once. The fetchers share the URLs: each one takes the next URL nobody has taken
/// yet, in the order of `urls`, fetches it with `fetch`, and puts a `Document` into `documents`,
/// until no URL is left. Once the last fetcher has finished, `documents` is closed, so whoever
/// takes from it learns that no more will come. If a fetch throws, the fetchers take no more
/// URLs, and `join()` throws the first such error. Start a pool once.
///
/// Lesson: README.md, section "The fetch pool: the I/O-bound stage".
public final class FetchPool: Sendable {
  /// How many fetcher threads the pool runs.
  public let fetchers: Int
  /// Where the fetcher threads are counted.
  public let census: ThreadCensus
  private let fetch: @Sendable (URL) throws -> String
  // TODO: add the state the fetchers and `join()` share, guarded by a `Mutex`.

  /// A pool of `fetchers` threads (at least one), counted in `census`, that fetch with `fetch`.
  public init(fetchers: Int, census: ThreadCensus, fetch: @escaping @Sendable (URL) throws -> String) {
    self.fetchers = max(1, fetchers)
    self.census = census
    self.fetch = fetch
  }

  /// Starts the fetchers on `urls` and returns at once; each document goes into `documents`.
  public func start(_ urls: [URL], into documents: BoundedQueue<Document>) throws {
    // TODO: fetch every URL exactly once, on `fetchers` `WorkerThread`s, and put each document into
    // `documents`; once a fetch has failed, no fetcher starts another.
    // TODO: make sure `documents` is closed once, after the last fetcher has finished.
    throw WorkbookError.notImplemented
  }

  /// Waits until every fetcher has finished; throws the first error a fetch threw.
  public func join() throws {
    // TODO: join every fetcher, then throw the first error, if there was one.
  }
}
