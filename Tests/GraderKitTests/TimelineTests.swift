import Foundation
import Testing
import WorkbookCore

@testable import GraderKit
@testable import WorkbookTestSupport

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The timelines a failing test shows and `--trace` writes: the recorder, the terminal text, the
/// Trace Event Format JSON and the SVG, each checked on a fixed list of events.
@Suite("Grader · timelines")
struct TimelineTests {
  static let lostUpdate = TraceBound(
    .atMost, 1, of: "between read and write", enters: "read the shared value",
    state: "between read and write",
    consequence: "{others}'s update is lost")

  /// Two threads between read and write at once: T2 reads while T1 has not written yet.
  static let race = Trace(
    title: "no two threads are ever between the read and the write",
    events: [
      TraceEvent(.begin, time: 1_000_000, lane: "T1", category: "between read and write"),
      TraceEvent(.begin, time: 2_000_000, lane: "T2", category: "between read and write"),
      TraceEvent(.end, time: 3_000_000, lane: "T1", category: "between read and write"),
      TraceEvent(.end, time: 4_000_000, lane: "T2", category: "between read and write"),
      TraceEvent(.counter, time: 4_500_000, lane: "queue", category: "queue", value: 3),
    ],
    bounds: [lostUpdate])

  /// Requests one after another where they must overlap.
  static let sequential = Trace(
    title: "every request in flight at once",
    events: (0..<3).flatMap { index in
      [
        TraceEvent(
          .begin, time: Int64(index) * 2_000_000, lane: "R\(index + 1)", category: "request",
          name: "/doc/\(index)"),
        TraceEvent(
          .end, time: Int64(index) * 2_000_000 + 1_500_000, lane: "R\(index + 1)", category: "request"),
      ]
    },
    bounds: [TraceBound(.together, 3, of: "request", enters: "started", state: "in flight")])

  @Test("a bound of one finds the thread that came in while another was inside, and says it in words")
  func boundViolation() throws {
    let violation = try #require(Self.race.violation)
    #expect(violation.time == 2_000_000)
    #expect(violation.lane == "T2")
    #expect(violation.others == ["T1"])
    #expect(
      violation.words == "T2 read the shared value while T1 was between read and write: T1's update is lost")
  }

  @Test("requests that must overlap and ran one after another are named at the first early end")
  func togetherViolation() throws {
    let violation = try #require(Self.sequential.violation)
    #expect(violation.time == 1_500_000)
    #expect(violation.words == "R1 ended before R2 started: never more than 1 of 3 were in flight at once")
  }

  @Test("a request still alone in flight when the test read the trace is named as the only one")
  func togetherNeverReached() throws {
    let trace = Trace(
      title: "both at once", events: [TraceEvent(.begin, time: 1_000, lane: "R1", category: "request")],
      bounds: [TraceBound(.together, 2, of: "request", enters: "started", state: "in flight")],
      stopped: 10_000_000)
    let violation = try #require(trace.violation)
    #expect(violation.words == "only R1 was ever in flight: never more than 1 of 2 were in flight at once")
    #expect(violation.time == 10_000_000)
  }

  @Test("the terminal timeline marks the violation, draws the count against the bound, and names it")
  func terminalGolden() throws {
    let text = try #require(TimelineText.render(Self.race, style: .ascii))
    #expect(text == Self.raceGolden, "got:\n\(text)")
  }

  @Test("the terminal timeline keeps within 68 columns and 12 lanes, and plain ASCII when asked")
  func terminalLimits() throws {
    let events = (0..<30).flatMap { index in
      [
        TraceEvent(.begin, time: Int64(index) * 1_000, lane: "R\(index + 1)", category: "request"),
        TraceEvent(.end, time: Int64(index) * 1_000 + 500_000, lane: "R\(index + 1)", category: "request"),
      ]
    }
    let trace = Trace(
      title: "many", events: events,
      bounds: [TraceBound(.atMost, 3, of: "request", enters: "started", state: "in flight")])
    let text = try #require(TimelineText.render(trace, style: .ascii))
    let lines = text.split(separator: "\n")
    #expect(lines.allSatisfy { $0.count <= TimelineText.maximumWidth }, "\(text)")
    let laneRows = lines.filter {
      ($0.hasPrefix("  R") && !$0.contains("started")) || $0.hasPrefix("  count ")
    }
    #expect(laneRows.count == TimelineText.maximumLanes)
    #expect(text.contains("R4 started while R1, R2 and R3 were in flight: the bound is 3"), "\(text)")
    let isASCII = text.unicodeScalars.allSatisfy { $0.isASCII }
    #expect(isASCII)
    let unicode = try #require(TimelineText.render(trace, style: .unicode(color: true)))
    #expect(unicode.contains("\u{1B}[31;1m"))
  }

  @Test("NO_COLOR, TERM=dumb or an output that is no terminal each ask for plain ASCII")
  func styleChoice() {
    #expect(TimelineText.Style.forOutput(environment: [:], isTerminal: true) == .unicode(color: true))
    #expect(TimelineText.Style.forOutput(environment: ["NO_COLOR": "1"], isTerminal: true) == .ascii)
    #expect(TimelineText.Style.forOutput(environment: ["TERM": "dumb"], isTerminal: true) == .ascii)
    #expect(TimelineText.Style.forOutput(environment: [:], isTerminal: false) == .ascii)
  }

  @Test("a failure message keeps the test's words first and ends with the timeline")
  func timelineComesLast() throws {
    let timeline = try #require(TimelineText.render(Self.race))
    let message = FailureText.message(
      expectation: "Expectation failed: (probe.maximumInside → 2) == 1",
      comments: ["2 threads were inside the pause at once", timeline])
    let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.first == "2 threads were inside the pause at once")
    #expect(lines[1] == "Expectation failed: (probe.maximumInside → 2) == 1")
    #expect(message.hasSuffix(timeline))
  }

  @Test("the Trace Event Format JSON has the required fields, microseconds, thread names and the violation")
  func traceEventFormat() throws {
    let data = try TraceEventFormat.json(Self.race)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let events = try #require(object["traceEvents"] as? [[String: Any]])
    for event in events {
      for field in ["name", "ph", "ts", "pid", "tid"] {
        #expect(event[field] != nil, "an event lacks \(field): \(event)")
      }
    }
    let complete = events.filter { $0["ph"] as? String == "X" }
    #expect(complete.count == 2)
    #expect(complete.map { $0["ts"] as? Double } == [1_000, 2_000], "ts is in microseconds")
    #expect(complete.allSatisfy { $0["dur"] as? Double == 2_000 })
    let names = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
      .compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
    #expect(names == ["T1", "T2", "queue"])
    let counters = events.filter { $0["ph"] as? String == "C" }
    #expect(counters.count == 1 && (counters[0]["args"] as? [String: Any])?["queue"] as? Int == 3)
    let instants = events.filter { $0["ph"] as? String == "i" }
    #expect(instants.map { $0["name"] as? String } == [Self.race.violation?.words])
  }

  @Test("the SVG is well-formed XML with a label a lane, a bar an interval and the violation's words")
  func svg() throws {
    let svg = TimelineSVG.render(Self.race)
    let document = try XMLDocument(data: Data(svg.utf8))
    let root = try #require(document.rootElement())
    #expect(root.name == "svg")
    func elements(_ path: String) throws -> [XMLElement] {
      try root.nodes(forXPath: path).compactMap { $0 as? XMLElement }
    }
    #expect(try elements("//*[@class='lane']").map { $0.stringValue ?? "" } == ["T1", "T2", "queue"])
    #expect(try elements("//*[@class='interval']").count == 2)
    #expect(try elements("//*[@class='counter']").count == 1)
    let words = try elements("//*[@class='violation-words']").map { $0.stringValue ?? "" }
    #expect(words == ["! T2 read the shared value while T1 was between read and write: T1's update is lost"])
    let escaped = TimelineSVG.render(Trace(title: "a <b> & \"c\"", events: Self.race.events))
    #expect(try XMLDocument(data: Data(escaped.utf8)).rootElement() != nil)
  }

  @Test("the recorder keeps its first events and those around the first violation, and counts the rest")
  func recorderIsBounded() throws {
    let recorder = TraceRecorder(title: "bounded", capacity: 40)
    recorder.bound(TraceBound(.atMost, 1, of: "inside", enters: "entered", state: "inside"))
    for _ in 0..<500 {
      recorder.begin("inside", lane: "T1")
      recorder.end("inside", lane: "T1")
    }
    recorder.begin("inside", lane: "T1")
    recorder.begin("inside", lane: "T2")
    recorder.end("inside", lane: "T2")
    recorder.end("inside", lane: "T1")
    for _ in 0..<500 { recorder.instant("later", lane: "T1") }
    let trace = recorder.trace
    #expect(trace.events.count <= 40 + 10 + 1 + 10)
    #expect(trace.events.count + trace.omitted == 1_000 + 4 + 500)
    let violation = try #require(trace.violation)
    #expect(violation.lane == "T2" && violation.others == ["T1"])
  }

  @Test("each thread that records gets a lane of its own, in the order threads first record")
  func threadLanes() {
    let recorder = TraceRecorder(title: "lanes")
    let mine = recorder.threadLane()
    #expect(recorder.threadLane() == mine)
    let other = Thread { _ = recorder.threadLane() }
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      #expect(recorder.threadLane() == "T2")
      done.signal()
    }
    _ = other
    thread.start()
    done.wait()
    #expect(mine == "T1")
    #expect(recorder.newLane(prefix: "R") == "R1")
  }

  @Test(
    "headless Chromium draws the SVG: lanes, bars and the red line are on the screenshot",
    .enabled(
      if: Chromium.path != nil, "Chromium is not installed (apt-get install chromium) to look at the SVG"),
    .enabled(
      if: Chromium.hasAddressSpace,
      "this process may map too little memory for Chromium (the grader caps a suite at 6 GiB; run swift test)"
    ))
  func chromiumScreenshot() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "timeline-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let svg = folder.appendingPathComponent("race.svg")
    let png = folder.appendingPathComponent("race.png")
    try Data(TimelineSVG.render(Self.race).utf8).write(to: svg)
    // The grader's Subprocess, not Foundation's Process: a Process child starts with every signal
    // blocked, and Chromium's own children then sometimes never hand back the screenshot.
    let outcome = try Subprocess(
      executable: try #require(Chromium.path),
      arguments: [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=960,300",
        "--screenshot=\(png.path)", svg.absoluteString,
      ],
      deadline: .seconds(120)
    ).run()
    try #require(
      FileManager.default.fileExists(atPath: png.path),
      "Chromium wrote no screenshot (\(outcome.termination)): \(outcome.output.suffix(2_000))")
    let image = try Data(contentsOf: png)
    #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]), "Chromium wrote no PNG")
    // A blank page compresses to a few hundred bytes; bars, labels and words make several KiB.
    #expect(image.count > 4_000, "the screenshot is \(image.count) bytes: blank?")
  }

  static let raceGolden = """
    Timeline (ms since the test started)
      = between read and write, ! the violation
              1.00                                                  4.50
      T1      ==================================........................
      T2      ................!=================================........
      queue   ................|........................................3
      count   1111111111111111222222222222222222111111111111111100000000
      count: how many were between read and write (bound: at most 1)
                              ^ at 2.00 ms
      T2 read the shared value while T1 was between read and write: T1's
      update is lost
    """

  @Test(
    "with WORKBOOK_TRACE_DIR set, each test's trace is written as NAME.json and NAME.svg, a parameterized test's later cases as NAME-2, NAME-3; an empty trace writes nothing"
  )
  func traceFiles() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trace-files-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    TraceFiles.write(Self.race, testName: "writtenTwice(threads:)", into: folder)
    TraceFiles.write(Self.race, testName: "writtenTwice(threads:)", into: folder)
    TraceFiles.write(Trace(title: "quiet", events: []), testName: "quiet()", into: folder)
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(names == ["writtenTwice-2.json", "writtenTwice-2.svg", "writtenTwice.json", "writtenTwice.svg"])
    let json = try JSONSerialization.jsonObject(
      with: Data(contentsOf: folder.appendingPathComponent("writtenTwice.json")))
    #expect((json as? [String: Any])?["traceEvents"] is [Any], "Trace Event Format's object form")
    let svg = try String(contentsOf: folder.appendingPathComponent("writtenTwice.svg"), encoding: .utf8)
    #expect(svg.contains("<svg"), "\(svg.prefix(80))")
  }
}

/// Where Debian's or another distribution's Chromium is, if it is installed.
enum Chromium {
  static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  /// Whether Chromium can start here: it reserves tens of GiB of address space at once, and dies
  /// with SIGTRAP under the grader's cap on a suite's address space (`SuiteRunner.addressSpaceLimit`).
  static var hasAddressSpace: Bool {
    var limit = rlimit()
    #if os(Linux)
      let resource = __rlimit_resource_t(RLIMIT_AS.rawValue)
    #else
      let resource = RLIMIT_AS
    #endif
    guard getrlimit(resource, &limit) == 0 else { return true }
    return limit.rlim_cur >= 64 << 30  // RLIM_INFINITY is larger still
  }
}
