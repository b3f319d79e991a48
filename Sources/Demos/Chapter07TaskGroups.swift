import FixtureServer
import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

extension Demo {
  /// Chapter 7: awaiting in a loop, the `for … of … await` that `Promise.all` replaces.
  static let taskGroups = Demo(
    number: "07", title: "Task groups",
    summary: "five pages awaited one after the other: the times add up; Promise.all is the exercise",
    run: runTaskGroups)
}

/// Fetches `url` in `session`, suspending the task, and returns the page's text.
private func fetchText(_ url: URL, in session: URLSession) async throws -> String {
  let (body, _) = try await session.data(for: URLRequest(url: url))
  return String(decoding: body, as: UTF8.self)
}

private func runTaskGroups() async throws {
  let session = URLSession(configuration: .ephemeral)
  defer { session.finishTasksAndInvalidate() }
  try await FixtureServer.withRunning(freshServer()) { server in
    let delays = [500, 400, 300, 200, 100]
    let urls = delays.enumerated().map { server.url(for: "/page/\($0.offset)?delay=\($0.element)") }
    // JavaScript's `for (const url of urls) texts.push(await fetch(url))`: each await suspends
    // this task until its page is in, so the next request starts only then.
    let (texts, elapsed) = try await timed {
      var texts: [String] = []
      for url in urls { texts.append(try await fetchText(url, in: session)) }
      return texts
    }
    print("Awaited one after the other: \(urls.count) pages in \(elapsed.seconds), in input order:")
    for text in texts { print("  " + text.trimmingCharacters(in: .newlines)) }
    print()
    let sum = Double(delays.reduce(0, +)) / 1000
    print(
      "That is the sum of their delays (\(String(format: "%.2f", sum))s): the server never had more than "
        + "\(server.statistics.peakInFlight) request in flight.")
    print("Promise.all in Swift (async let for a fixed fan-out, a task group for any number, one failure")
    print("cancelling the rest) is chapter 7's exercise: Exercises/07-TaskGroups/, then ./grader 07.")
  }
}
