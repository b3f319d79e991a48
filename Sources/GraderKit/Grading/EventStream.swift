import Foundation

/// What one run of a chapter's suite reported through Swift Testing's event stream.
///
/// The test binary writes one JSON object a line (`--experimental-event-stream-output`): the
/// tests it found, then `testStarted`, `issueRecorded` and `testEnded` as they happen, and
/// `runEnded` last. A crash cuts the stream short, so what is missing tells as much as what is
/// there: a test started and never ended was running when the process died.
struct SuiteRun {
  /// A test function of the suite, as the stream describes it.
  struct Test {
    var id: String
    var displayName: String
    var file: String
    var line: Int
  }

  struct Issue {
    var testID: String
    var message: String
    var file: String
    var line: Int
  }

  /// The suite's test functions, in source order.
  var tests: [Test] = []
  var started: Set<String> = []
  var ended: Set<String> = []
  /// When each test started and ended, in seconds on the run's own clock.
  var startTimes: [String: Double] = [:]
  var endTimes: [String: Double] = [:]
  var issues: [Issue] = []
  /// Tests (or test cases) reported skipped or cancelled: never passed, whatever else is said.
  var skippedOrCancelled: Set<String> = []
  var runEnded = false

  /// Parses the stream; lines it cannot read (a torn last line after a crash) are skipped.
  init(jsonLines data: Data) {
    let decoder = JSONDecoder()
    for line in data.split(separator: UInt8(ascii: "\n")) {
      guard let record = try? decoder.decode(Record.self, from: line) else { continue }
      switch record.kind {
      case "test":
        if let test = record.payload.test, test.kind == "function" {
          tests.append(
            Test(
              id: test.id, displayName: test.displayName ?? test.name,
              file: test.sourceLocation.filePath ?? "", line: test.sourceLocation.line))
        }
      case "event":
        guard let event = record.payload.event else { continue }
        let testID = event.testID ?? ""
        switch event.kind {
        case "testStarted":
          started.insert(testID)
          startTimes[testID] = event.instant?.absolute
        case "testEnded":
          ended.insert(testID)
          endTimes[testID] = event.instant?.absolute
        case "runEnded": runEnded = true
        case let kind where kind.hasSuffix("Skipped") || kind.hasSuffix("Cancelled"):
          skippedOrCancelled.insert(testID)
        case "issueRecorded":
          guard let issue = event.issue, issue.isFailure ?? true, issue.isKnown != true else { continue }
          // The first message is the expectation that failed; those after it, the test's comments.
          let messages = event.messages ?? []
          let message = FailureText.message(
            expectation: messages.first.map(\.text), comments: messages.dropFirst().map(\.text))
          issues.append(
            Issue(
              testID: testID, message: message,
              file: issue.sourceLocation?.filePath ?? "", line: issue.sourceLocation?.line ?? 0))
        default: break
        }
      default: break
      }
    }
    tests.sort { $0.line < $1.line }
  }

  /// Whether `issue` belongs to `test`; a parameterized test's cases carry IDs that extend it.
  func issues(of test: Test) -> [Issue] {
    issues.filter { $0.testID == test.id || $0.testID.hasPrefix(test.id) }
  }

  /// Whether `test` was skipped or cancelled, itself or in one of its cases.
  func wasSkippedOrCancelled(_ test: Test) -> Bool {
    skippedOrCancelled.contains { $0 == test.id || $0.hasPrefix(test.id) }
  }

  /// How long `test` ran, if it started and ended.
  func duration(of test: Test) -> Double? {
    guard let start = startTimes[test.id], let end = endTimes[test.id] else { return nil }
    return max(0, end - start)
  }

  /// The tests that started and never ended: running when the process stopped.
  var unfinished: [Test] {
    tests.filter { started.contains($0.id) && !ended.contains($0.id) }
  }
}

// MARK: - The stream's JSON

/// The parts of a stream record the grader reads; everything else is ignored.
private struct Record: Decodable {
  var kind: String
  var payload: Payload

  struct Payload: Decodable {
    var test: TestPayload?
    var event: EventPayload?

    init(from decoder: any Decoder) throws {
      // A record's payload is either a test or an event; which one, its own fields tell.
      test = try? TestPayload(from: decoder)
      event = try? EventPayload(from: decoder)
    }
  }

  struct SourceLocation: Decodable {
    var filePath: String?
    var line: Int
  }

  struct TestPayload: Decodable {
    var id: String
    var kind: String
    var name: String
    var displayName: String?
    var sourceLocation: SourceLocation
  }

  struct EventPayload: Decodable {
    var kind: String
    var testID: String?
    var instant: Instant?
    var messages: [Message]?
    var issue: IssuePayload?
  }

  struct Instant: Decodable {
    var absolute: Double?
  }

  struct Message: Decodable {
    var text: String
  }

  struct IssuePayload: Decodable {
    var isFailure: Bool?
    var isKnown: Bool?
    var sourceLocation: SourceLocation?
  }
}
