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
  // The only state the fetchers share, and all of it behind one lock: which URL is next, the
  // first failure, and the threads to join. Each fetch and each document stays on its thread.
  private let state = Mutex(State())

  private struct State {
    var nextIndex = 0
    var failure: (any Error)?
    var threads: [WorkerThread] = []
  }

  /// A pool of `fetchers` threads (at least one), counted in `census`, that fetch with `fetch`.
  public init(fetchers: Int, census: ThreadCensus, fetch: @escaping @Sendable (URL) throws -> String) {
    self.fetchers = max(1, fetchers)
    self.census = census
    self.fetch = fetch
  }

  /// Starts the fetchers on `urls` and returns at once; each document goes into `documents`.
  public func start(_ urls: [URL], into documents: BoundedQueue<Document>) throws {
    // Exactly `fetchers` threads, so exactly that many requests can be in flight: the bound of
    // the pool. A fetcher that finds the queue full waits in `put`, holding up only itself.
    let running = DispatchGroup()
    let threads = (0..<fetchers).map { index in
      running.enter()
      return WorkerThread(name: "fetcher-\(index)", census: census) { [self] in
        while let url = nextURL(in: urls) {
          do {
            let text = try fetch(url)
            try documents.put(Document(url: url, text: text))
          } catch {
            fail(with: error)
          }
        }
        running.leave()
      }
    }
    // The queue is closed by whoever finishes last, never by `join()`: the thread that joins the
    // pool may itself be the one that has to drain the queue first.
    running.notify(queue: .global()) { documents.close() }
    state.withLock { $0.threads = threads }
    for thread in threads {
      thread.start()
    }
  }

  /// Waits until every fetcher has finished; throws the first error a fetch threw.
  public func join() throws {
    // Joined first, so no fetcher can still record a failure after it is read.
    for thread in state.withLock({ $0.threads }) {
      thread.join()
    }
    if let failure = state.withLock({ $0.failure }) {
      throw failure
    }
  }

  /// The next URL nobody has taken, or `nil` once none is left or a fetch has failed.
  private func nextURL(in urls: [URL]) -> URL? {
    state.withLock { state in
      guard state.failure == nil, state.nextIndex < urls.count else { return nil }
      defer { state.nextIndex += 1 }
      return urls[state.nextIndex]
    }
  }

  /// Keeps the first failure; later ones add nothing a caller could act on.
  private func fail(with error: any Error) {
    state.withLock { state in
      if state.failure == nil { state.failure = error }
    }
  }
}
