/// The grade of one run of the grader: a result for each chapter graded.
public struct Grade: Codable, Sendable {
  /// `exercises` or `solutions`.
  public var sources: Sources
  /// The seed every suite drew its random inputs from; `--seed` replays it.
  public var seed: UInt64
  public var chapters: [ChapterResult]

  /// Tests passed, over all chapters.
  public var passed: Int { chapters.reduce(0) { $0 + $1.passed } }
  /// Tests, over all chapters.
  public var total: Int { chapters.reduce(0) { $0 + $1.total } }
  /// Points earned, over all chapters.
  public var score: Double { chapters.reduce(0) { $0 + $1.score } }
  /// Points to earn, over all chapters.
  public var maxScore: Int { chapters.reduce(0) { $0 + $1.maxScore } }
  /// Whether every chapter passed.
  public var isPassing: Bool { chapters.allSatisfy { $0.status == .passed } }

  /// Whose work this is, when an instructor grades a submission.
  public var student: String?
  /// How the suites' test processes were isolated; every report and export says it.
  public var isolation: Isolation = .none

  enum CodingKeys: String, CodingKey {
    case sources, seed, chapters, passed, total, score, maxScore, student, isolation
  }

  public init(sources: Sources, seed: UInt64, chapters: [ChapterResult]) {
    self.sources = sources
    self.seed = seed
    self.chapters = chapters
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    sources = try container.decode(Sources.self, forKey: .sources)
    seed = try container.decode(UInt64.self, forKey: .seed)
    chapters = try container.decode([ChapterResult].self, forKey: .chapters)
    student = try container.decodeIfPresent(String.self, forKey: .student)
    isolation = try container.decodeIfPresent(Isolation.self, forKey: .isolation) ?? .none
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(sources, forKey: .sources)
    try container.encode(seed, forKey: .seed)
    try container.encode(chapters, forKey: .chapters)
    try container.encode(passed, forKey: .passed)
    try container.encode(total, forKey: .total)
    try container.encode(score, forKey: .score)
    try container.encode(maxScore, forKey: .maxScore)
    try container.encodeIfPresent(student, forKey: .student)
    try container.encode(isolation, forKey: .isolation)
  }
}

/// How one chapter did.
public struct ChapterResult: Codable, Sendable {
  /// How the chapter's run ended, from best to worst.
  public enum Status: String, Codable, Sendable {
    case passed
    case failed
    case doesNotCompile = "does not compile"
    case crashed
    case timedOut = "timed out"
    case noTests = "no tests"
    /// The chapter's folder, or its tests' folder, is not there.
    case missing
    /// A submission's chapter holds a file the grader will not read (a link out of it, a FIFO).
    case refused
    /// ThreadSanitizer saw a data race while the tests ran: in the race check of a plain grade
    /// (`RaceCheckBuild`), or with `--races`.
    case dataRace = "data race"
  }

  /// A test that did not pass, and where it says why.
  public struct Failure: Codable, Sendable, Equatable {
    public var test: String
    public var message: String
    /// The file, relative to the workbook, and the line of the failed expectation.
    public var file: String
    public var line: Int
  }

  /// One test's outcome.
  public struct TestOutcome: Codable, Sendable, Equatable {
    public var name: String
    public var passed: Bool
    /// Where the test is declared, relative to the workbook, when its run reported it.
    public var file: String? = nil
    public var line: Int? = nil
    /// How long it ran, in seconds, when it started and ended.
    public var seconds: Double? = nil
  }

  /// The chapter's number, `02`.
  public var id: String
  public var title: String
  public var module: String
  public var status: Status
  public var passed: Int
  public var total: Int
  /// Why the status is what it is when no test explains it: compiler errors, the signal of a
  /// crash, the test that was running at a deadline.
  public var message: String?
  public var failures: [Failure]
  public var tests: [TestOutcome]
  /// What the suite printed (first and last 64 KiB), for a crash or a deadline.
  public var output: String?
  /// How long the suite's process ran, in seconds, when it ran.
  public var seconds: Double? = nil
  /// The races ThreadSanitizer reported, one line each (`--races` only).
  public var races: [String]? = nil
  /// The chapter's weight: what passing every test earns.
  public var maxScore: Int
  /// The share of `maxScore` its passing tests earn.
  public var score: Double {
    total == 0 ? 0 : Double(maxScore) * Double(passed) / Double(total)
  }
}
