import FixtureServer
import Foundation
import Synchronization
import WorkbookCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// One chapter's demo: the guide's example, in Swift, printing what the guide's example prints.
struct Demo: Sendable {
  /// The chapter's number, two digits: `01`.
  let number: String
  /// The chapter's title, as in its lesson.
  let title: String
  /// What the demo shows, in one line.
  let summary: String
  /// Runs the demo, printing as it goes.
  let run: @Sendable () async throws -> Void

  /// The demo as one line of `--list`.
  var listing: String {
    let head = "\(number)  \(title)"
    return head + String(repeating: " ", count: max(2, 26 - head.count)) + summary
  }
}

// MARK: - Helpers the demos share

/// Runs `body(0)` … `body(count - 1)` on threads of their own, all at once, and waits for them all.
///
/// Each thread signals a semaphore once as its body returns, and the caller takes one signal a
/// thread: a wait for all of them, for this one caller. A join that any thread can call, as often
/// as it likes, is chapter 1's exercise (`JoinableThread`).
func runOnThreads(_ count: Int, named name: String = "Thread", _ body: @escaping @Sendable (Int) -> Void) {
  let ended = DispatchSemaphore(value: 0)
  // `demos --trace`: each thread's life is a bar of the timeline.
  let recorder = TraceRecorder.current
  for index in 0..<count {
    let thread = Thread {
      defer { ended.signal() }
      let lane = recorder?.threadLane(named: "\(name)-\(index)")
      if let lane { recorder?.begin("running", lane: lane) }
      body(index)
      if let lane { recorder?.end("running", lane: lane) }
    }
    thread.name = "\(name)-\(index)"
    thread.start()
  }
  for _ in 0..<count { ended.wait() }
}

/// Records, in the demo's timeline (`demos --trace`), the calling thread's time in `category` while
/// `body` runs: a counter's read-to-write window, a child process's life.
func traced<Result>(_ category: String, by recorder: TraceRecorder?, _ body: () throws -> Result) rethrows
  -> Result
{
  guard let recorder else { return try body() }
  let lane = recorder.threadLane()
  recorder.begin(category, lane: lane)
  defer { recorder.end(category, lane: lane) }
  return try body()
}

/// The bound the guide's unlocked counters break: one thread at a time between read and write.
func oneAtATime(_ recorder: TraceRecorder?) {
  recorder?.bound(
    TraceBound(
      .atMost, 1, of: "between read and write", enters: "read the shared value",
      state: "between read and write",
      consequence: "{others}'s update is lost"))
}

/// Times `body` on a clock that never jumps, and returns its result with the time it took.
func timed<Result>(_ body: () throws -> Result) rethrows -> (Result, Duration) {
  let clock = ContinuousClock()
  let start = clock.now
  let result = try body()
  return (result, start.duration(to: clock.now))
}

/// Times `body`, which suspends, and returns its result with the time it took.
func timed<Result>(
  isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Result
) async rethrows -> (Result, Duration) {
  let clock = ContinuousClock()
  let start = clock.now
  let result = try await body()
  return (result, start.duration(to: clock.now))
}

extension Duration {
  /// Seconds with two decimals, like the guide's `f"{elapsed:.2f}s"`: `0.31s`.
  var seconds: String {
    String(format: "%.2fs", timeInterval)
  }
}

/// A path and query of a fixture server's URL, without the server's address: `/doc/1?delay=300`.
func shortName(_ url: URL) -> String {
  url.path + (url.query.map { "?" + $0 } ?? "")
}

/// A fixture server seed from the clock, so every run serves new pages, like a real website would.
func freshServer() -> FixtureServer.Configuration {
  FixtureServer.Configuration(seed: UInt64.random(in: 1...UInt64.max))
}

/// What a blocking GET brought back: the status and the body.
struct Answer: Sendable {
  var status: Int
  var body: Data
}

/// Fetches `url` and blocks the calling thread until the answer is in: the demos' `requests.get`.
///
/// Each call has a session of its own, so calls on many threads never wait for each other.
func get(_ url: URL, timeout: TimeInterval = 5) -> Result<Answer, any Error> {
  let configuration = URLSessionConfiguration.ephemeral
  configuration.timeoutIntervalForRequest = timeout
  let session = URLSession(configuration: configuration)
  defer { session.finishTasksAndInvalidate() }
  // URLSession answers on a thread of its own; the semaphore hands the answer to this one.
  let answered = DispatchSemaphore(value: 0)
  let outcome = Mutex<Result<Answer, any Error>>(.failure(URLError(.unknown)))
  session.dataTask(with: url) { body, response, error in
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    let result: Result<Answer, any Error> =
      error.map { .failure($0) } ?? .success(Answer(status: status, body: body ?? Data()))
    outcome.withLock { $0 = result }
    answered.signal()
  }.resume()
  answered.wait()
  return outcome.withLock { $0 }
}
