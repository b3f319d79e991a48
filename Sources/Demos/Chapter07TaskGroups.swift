import FixtureServer
import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

extension Demo {
  /// Chapter 7: `Promise.all` in Swift, with `async let` and a task group.
  static let taskGroups = Demo(
    number: "07", title: "Task groups",
    summary: "Promise.all as a task group: pages in input order, and one failure cancels the rest",
    run: runTaskGroups)
}

/// A status of 400 or more, thrown like a `fetch` wrapper that checks `response.ok`.
private struct BadStatus: Error, CustomStringConvertible {
  var url: URL
  var status: Int
  var description: String { "\(shortName(url)) answered \(status)" }
}

/// Fetches `url` in `session`, suspending the task; throws `BadStatus` for a status of 400 or more.
private func fetchText(_ url: URL, in session: URLSession) async throws -> String {
  let (body, response) = try await session.data(for: URLRequest(url: url))
  let status = (response as? HTTPURLResponse)?.statusCode ?? 0
  guard status < 400 else { throw BadStatus(url: url, status: status) }
  return String(decoding: body, as: UTF8.self)
}

/// Every URL at once, the texts in the order of `urls`: `await Promise.all(urls.map(fetch))`.
private func fetchAll(_ urls: [URL], in session: URLSession) async throws -> [String] {
  try await withThrowingTaskGroup(of: (Int, String).self) { group in
    for (index, url) in urls.enumerated() {
      group.addTask { (index, try await fetchText(url, in: session)) }
    }
    var texts = [String](repeating: "", count: urls.count)
    // The first error thrown here leaves the group, which cancels every fetch still running.
    for try await (index, text) in group {
      texts[index] = text
    }
    return texts
  }
}

private func runTaskGroups() async throws {
  let session = URLSession(configuration: .ephemeral)
  defer { session.finishTasksAndInvalidate() }
  try await FixtureServer.withRunning(freshServer()) { server in
    // A fixed fan-out of two: both requests are in flight before either answer is awaited.
    let (first, second) = (server.url(for: "/page/a?delay=300"), server.url(for: "/page/b?delay=300"))
    let (pair, pairTime) = try await timed {
      async let a = fetchText(first, in: session)
      async let b = fetchText(second, in: session)
      return try await (a, b)
    }
    print("async let: two pages of 0.30s each in \(pairTime.seconds)")
    print("  " + pair.0.trimmingCharacters(in: .newlines) + "\n  " + pair.1.trimmingCharacters(in: .newlines))

    // A dynamic fan-out: the pages answer last to first, yet come back in input order.
    let urls = [500, 400, 300, 200, 100].enumerated().map {
      server.url(for: "/page/\($0.offset)?delay=\($0.element)")
    }
    let (texts, allTime) = try await timed { try await fetchAll(urls, in: session) }
    print()
    print("Task group, like Promise.all: \(urls.count) pages in \(allTime.seconds), in input order:")
    for text in texts { print("  " + text.trimmingCharacters(in: .newlines)) }

    // One failure rejects the whole: the group throws it and cancels the fetches still waiting.
    server.resetStatistics()
    let failing = [
      server.url(for: "/page/x?delay=5000"), server.url(for: "/status/500?delay=200"),
      server.url(for: "/page/y?delay=5000"),
    ]
    let (outcome, failTime) = await timed { () async -> Result<[String], any Error> in
      do { return .success(try await fetchAll(failing, in: session)) } catch { return .failure(error) }
    }
    print()
    if case .failure(let error) = outcome {
      print("With a failing page: the group threw \"\(error)\" after \(failTime.seconds), not 5 s.")
    }
    // The server notices a hang-up a moment after the client's task ends: wait for its count.
    let sawBoth = await server.waitUntil(timeout: .seconds(5)) { $0.cancelledPaths.count == 2 }
    let cancelled = server.statistics.cancelledPaths.sorted().joined(separator: ", ")
    print("The server saw \(sawBoth ? "the other two" : "only these") hang up: \(cancelled).")
  }
}
