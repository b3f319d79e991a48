import FixtureServer
import Foundation

extension Demo {
  /// Chapter 10: the capstone's job done the plain way, one step after the other, timed.
  static let capstone = Demo(
    number: "10", title: "Capstone",
    summary: "fetch documents and count their words, one after the other; the pipeline is the exercise",
    run: runCapstone)
}

/// How often each word occurs in `text`.
private func wordCounts(_ text: String) -> [String: Int] {
  text.split(whereSeparator: \.isWhitespace).reduce(into: [:]) { $0[String($1), default: 0] += 1 }
}

private func runCapstone() throws {
  try FixtureServer.withRunning(freshServer()) { server in
    let paths = (1...12).map { "/doc/\($0)?delay=\(Int.random(in: 20...200))" }
    // One thread does it all: wait for a document, count its words, wait for the next.
    let (total, elapsed) = timed {
      var total: [String: Int] = [:]
      for path in paths {
        let text =
          (try? get(server.url(for: path)).get()).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
        total.merge(wordCounts(text), uniquingKeysWith: +)
      }
      return total
    }

    var expected: [String: Int] = [:]
    for path in paths {
      expected.merge(wordCounts(server.expectedText(for: path) ?? ""), uniquingKeysWith: +)
    }
    let top = total.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(5)
    let words = total.values.reduce(0, +)
    print(
      "\(paths.count) documents, \(words) words in \(elapsed.seconds), one after the other. Most frequent:")
    for (word, count) in top { print("  \(word): \(count)") }
    print("The same counts as the server's own documents: \(total == expected ? "yes" : "NO")")
    print()
    print("Nearly all that time is waiting for the server, one request at a time. Choosing the right")
    print("tool for each stage (a pool of threads for the fetching, threads for the counting, bounded")
    print("blocking queues between them) is chapter 10's exercise: Exercises/10-Capstone/, then ./grader 10.")
  }
}
