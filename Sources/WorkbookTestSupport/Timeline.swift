import Foundation
import Synchronization
import Testing
import WorkbookCore

/// Records each test's timeline and, when the test fails and the timeline shows a bound or an
/// order broken, ends the failure message with it.
///
/// Put it on a suite: `@Suite("Chapter 2 · Counter locking", .timeline)`. Every test of the suite
/// then runs with its own `TraceRecorder.current`, which the helpers made during the test record
/// into (`PauseProbe`, `Rendezvous`, the fixture server, …). With `WORKBOOK_TRACE_DIR` set (the
/// grader's `--trace` sets it), each test that recorded something also writes its trace there,
/// as Trace Event Format JSON and as an SVG picture.
public struct TimelineTrait: TestTrait, SuiteTrait, TestScoping {
  public var isRecursive: Bool { true }
  /// `WORKBOOK_TIMELINE=0` records nothing: how Benchmarks/README.md measures what recording costs.
  static let isOn = ProcessInfo.processInfo.environment["WORKBOOK_TIMELINE"] != "0"

  public func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    guard !test.isSuite, Self.isOn else { return try await function() }
    let recorder = TraceRecorder(title: test.displayName ?? test.name)
    let shown = Atomic(false)
    let addsTimeline = IssueHandlingTrait.compactMapIssues { issue in
      // One timeline a test, on its first issue, and only when it shows what went wrong.
      guard recorder.trace.violation != nil, !shown.exchange(true, ordering: .relaxed),
        let timeline = TimelineText.render(recorder.trace, style: .forOutput())
      else { return issue }
      var issue = issue
      issue.comments.append(Comment(rawValue: timeline))
      return issue
    }
    defer { TraceFiles.write(recorder.trace, test: test) }
    try await TraceRecorder.$current.withValue(recorder) {
      try await addsTimeline.provideScope(for: test, testCase: testCase, performing: function)
    }
  }
}

extension Trait where Self == TimelineTrait {
  /// Records each test's timeline and shows it in the test's failure message.
  public static var timeline: TimelineTrait { TimelineTrait() }
}

/// Where a test process writes its traces: the folder `WORKBOOK_TRACE_DIR` names, if set.
enum TraceFiles {
  static let folder = ProcessInfo.processInfo.environment["WORKBOOK_TRACE_DIR"].flatMap {
    $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true)
  }
  /// How many traces each name has had, so that a parameterized test's cases each get a file.
  private static let uses = Mutex([String: Int]())

  static func write(_ trace: Trace, test: Test) {
    guard let folder else { return }
    write(trace, testName: test.name, into: folder)
  }

  /// Writes `NAME.json` and `NAME.svg`, NAME the test function's name (`-2`, `-3`… for the next
  /// cases of a parameterized test); a trace with no events writes nothing.
  static func write(_ trace: Trace, testName: String, into folder: URL) {
    guard !trace.events.isEmpty else { return }
    var name = String(testName.prefix { $0 != "(" }.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    let use = uses.withLock { uses in
      uses[name, default: 0] += 1
      return uses[name]!
    }
    if use > 1 { name += "-\(use)" }
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    if let json = try? TraceEventFormat.json(trace) {
      try? json.write(to: folder.appendingPathComponent(name + ".json"))
    }
    try? Data(TimelineSVG.render(trace).utf8).write(to: folder.appendingPathComponent(name + ".svg"))
  }
}
