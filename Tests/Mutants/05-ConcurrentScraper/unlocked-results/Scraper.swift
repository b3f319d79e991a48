// Mutant (--races): the threads record into a dictionary without a lock (lesson: "Sharing the results").
import ConcurrentScraperGiven
import Foundation
import Synchronization
import WorkbookSupport

/// Fetches one URL and times it: the guide's `fetch_url`, without the shared dictionary.
///
/// Call the given `fetch(_:timeout:)` and turn its answer into a `ScrapeResult`: a `.page` with
/// the status, the body and the time the fetch took, or a `.failure` with the error. An error
/// is an entry like any other, never a crash.
///
/// Lesson: README.md, section "One fetch, timed".
public func fetchPage(_ url: URL, timeout: Duration) -> ScrapeResult {
  // A `ContinuousClock` keeps counting while the thread sleeps and never jumps when the wall
  // clock is set, so the difference of two readings is the time the fetch really took.
  let clock = ContinuousClock()
  let start = clock.now
  let answer = fetch(url, timeout: timeout)
  let elapsed = start.duration(to: clock.now)
  // Errors come back as values, so a refused or dead URL becomes an entry, like the guide's
  // `except` branch, and the thread goes on to record it.
  switch answer {
  case .success(let response):
    return .page(Page(status: response.status, body: response.body, elapsed: elapsed))
  case .failure(let error):
    return .failure(error)
  }
}

/// Fetches every URL at the same time, one thread per URL, and returns what each one gave.
///
/// This is the guide's scraper. Each thread calls `fetchPage(_:timeout:)` for its URL and
/// records the result under that URL, errors included. `scrape` returns once every thread has
/// recorded its result. The threads record at the same moment, so the dictionary they share
/// needs a lock.
///
/// Lesson: README.md, sections "Sharing the results" and "Starting and joining the threads".
public func scrape(_ urls: [URL], timeout: Duration = .seconds(5)) -> [URL: ScrapeResult] {
  // The dictionary lives inside a `Mutex`: `withLock` is the only way in, so two threads never
  // change it at once. A plain `var` would be a compile error here, and with the check turned
  // off, a crash.
  // The mutant: a box the compiler is told is safe to share, with no lock inside.
  let results = UnlockedResults()
  // The group counts threads that have not recorded yet; `enter()` runs before each thread
  // exists, so `wait()` can never see zero while a thread is still to come.
  let recorded = DispatchGroup()
  for url in urls {
    recorded.enter()
    let thread = Thread {
      // The slow part, the fetch, runs outside the lock: threads wait for their servers side
      // by side and hold the lock only for the moment it takes to store one entry.
      let result = fetchPage(url, timeout: timeout)
      results.entries[url] = result
      recorded.leave()
    }
    thread.name = "scraper \(url.path)"
    thread.start()
  }
  // Every thread is already running before this first wait, so the fetches overlap; once the
  // count is back to zero, every entry is in and no thread touches the dictionary any more.
  recorded.wait()
  return results.entries
}

/// The mutant's shared dictionary: `@unchecked Sendable` promises a lock that isn't there.
final class UnlockedResults: @unchecked Sendable {
  var entries: [URL: ScrapeResult] = [:]
}
