import FixtureServer
import Foundation
import Synchronization
import WorkbookCore

extension Demo {
  /// Chapter 10: a pipeline of threads joined by bounded queues: fetch documents, count words.
  static let capstone = Demo(
    number: "10", title: "Capstone",
    summary: "a pipeline: a fetch pool → bounded queue → counter threads → bounded queue → totals",
    run: runCapstone)
}

/// A first-in, first-out queue of at most `capacity` elements; `put` waits while it is full.
// `@unchecked Sendable`: `elements` and `isClosed` are read and written only while `condition` is locked.
private final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
  private let capacity: Int
  private let condition = NSCondition()
  private var elements: [Element] = []
  private var isClosed = false
  /// `demos --trace`: the queue's size is a counter of the timeline, named `name`.
  private let recorder = TraceRecorder.current
  private let name: String

  init(capacity: Int, name: String) {
    self.capacity = capacity
    self.name = name
  }

  func put(_ element: Element) {
    condition.withLock {
      // A loop, not an `if`: another producer may have taken the room first.
      while elements.count >= capacity { condition.wait() }
      elements.append(element)
      recorder?.counter(name, elements.count)
      condition.broadcast()
    }
  }

  /// The oldest element, waiting for one; `nil` once the queue is closed and empty.
  func take() -> Element? {
    condition.withLock {
      while elements.isEmpty && !isClosed { condition.wait() }
      guard !elements.isEmpty else { return nil }
      defer {
        recorder?.counter(name, elements.count)
        condition.broadcast()
      }
      return elements.removeFirst()
    }
  }

  func close() {
    condition.withLock {
      isClosed = true
      condition.broadcast()
    }
  }
}

/// How often each word occurs in `text`.
private func wordCounts(_ text: String) -> [String: Int] {
  text.split(whereSeparator: \.isWhitespace).reduce(into: [:]) { $0[String($1), default: 0] += 1 }
}

private func runCapstone() throws {
  try FixtureServer.withRunning(freshServer()) { server in
    let paths = (1...12).map { "/doc/\($0)?delay=\(Int.random(in: 20...200))" }
    let urls = paths.map(server.url(for:))
    let documents = BoundedQueue<String>(capacity: 2, name: "documents")
    let counts = BoundedQueue<[String: Int]>(capacity: 2, name: "counts")

    let (total, elapsed) = timed {
      // The fetch pool, I/O-bound: three threads take the next URL nobody has taken, until none is left.
      let nextURL = Mutex(0)
      let fetchers = DispatchGroup()
      for index in 1...3 {
        fetchers.enter()
        Thread {
          while case let position = nextURL.withLock({ next in
            defer { next += 1 }; return next
          }),
            position < urls.count
          {
            let text = (try? get(urls[position]).get()).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            print("fetcher-\(index) fetched \(shortName(urls[position]))")
            documents.put(text)
          }
          fetchers.leave()
        }.start()
      }
      // Closed once the last fetcher has left, not when the first one runs out of URLs.
      fetchers.notify(queue: .global()) { documents.close() }

      // The counters, CPU-bound: two threads turn documents into word counts, sharing nothing.
      let counters = DispatchGroup()
      for _ in 1...2 {
        counters.enter()
        Thread {
          while let text = documents.take() { counts.put(wordCounts(text)) }
          counters.leave()
        }.start()
      }
      counters.notify(queue: .global()) { counts.close() }

      // The calling thread drains the last queue while the stages run: joining first would deadlock
      // as soon as both queues were full.
      var total: [String: Int] = [:]
      while let tally = counts.take() { total.merge(tally, uniquingKeysWith: +) }
      fetchers.wait()
      counters.wait()
      return total
    }

    var expected: [String: Int] = [:]
    for path in paths {
      expected.merge(wordCounts(server.expectedText(for: path) ?? ""), uniquingKeysWith: +)
    }
    let top = total.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
    print()
    let words = total.values.reduce(0, +)
    print(
      "\(paths.count) documents, \(words) words in \(elapsed.seconds); the server saw at most "
        + "\(server.statistics.peakInFlight) requests at once. Most frequent:")
    for (word, count) in top { print("  \(word): \(count)") }
    print("The same counts as the server's own documents: \(total == expected ? "yes" : "NO")")
  }
}
