import FixtureServer
import Foundation
import Synchronization

extension Demo {
  /// Chapter 5: the guide's scraper, one thread a URL, against the workbook's fixture server.
  static let concurrentScraper = Demo(
    number: "05", title: "Concurrent scraper",
    summary: "five pages fetched on five threads: the slowest page sets the time, errors are results",
    run: runConcurrentScraper)
}

/// What the scraper records for one URL: the guide's `results[url]` dictionary.
private enum Entry: CustomStringConvertible {
  case page(status: Int, time: Duration, contentLength: Int)
  case error(String)

  var description: String {
    switch self {
    case .page(let status, let time, let length): "status \(status), time \(time.seconds), \(length) bytes"
    case .error(let message): "error: \(message)"
    }
  }
}

private func runConcurrentScraper() throws {
  try FixtureServer.withRunning(freshServer()) { server in
    // The guide's five websites, played by the fixture server: slow, fast, failing and silent.
    let urls = [
      "/doc/1?delay=300", "/doc/2?delay=100", "/status/503?delay=200", "/bytes/4096?delay=150", "/drop",
    ].map(server.url(for:))
    let printLock = NSLock()
    // Threads record their results at the same moment, so the list lives in a `Mutex`; it keeps
    // the order they recorded in, as the guide's dictionary keeps insertion order.
    let results = Mutex<[(URL, Entry)]>([])

    let ((), elapsed) = timed {
      runOnThreads(urls.count, named: "scraper") { index in
        let url = urls[index]
        let (answer, time) = timed { get(url) }
        let entry: Entry
        switch answer {
        case .success(let answer):
          entry = .page(status: answer.status, time: time, contentLength: answer.body.count)
          printLock.withLock {
            print("Fetched \(shortName(url)) - Status: \(answer.status), Time: \(time.seconds)")
          }
        case .failure(let error):
          entry = .error(error.localizedDescription)
          printLock.withLock { print("Error fetching \(shortName(url)): \(error.localizedDescription)") }
        }
        results.withLock { $0.append((url, entry)) }
      }
    }

    print()
    print("All requests completed. Results:")
    for (url, entry) in results.withLock({ $0 }) {
      print("\(shortName(url)): \(entry)")
    }
    print()
    print("Five fetches took \(elapsed.seconds) together: about as long as the slowest one alone.")
    print("The server had up to \(server.statistics.peakInFlight) of them in flight at once.")
  }
}
