import Testing

@testable import GraderKit

@Suite("Grader · ThreadSanitizer reports")
struct RaceReportTests {
  @Test("each warning gives its kind and both sides of the race, demangled, with file and line")
  func parse() {
    let reports = RaceReport.parse(sampleLog)
    #expect(reports.count == 2)
    #expect(
      reports.first?.oneLine
        == "data race: Counter.swift:45 (CounterLocking.Counter.increment(by: Swift.Int) -> ())"
        + " vs Counter.swift:32 (CounterLocking.Counter.value.getter : Swift.Int)")
    #expect(reports.last?.kind == "Swift access race")
    #expect(reports.last?.accesses.map(\.line) == [nil, 7])
  }

  @Test("a log without warnings has no reports")
  func clean() {
    #expect(RaceReport.parse("ThreadSanitizer: nothing to report\n").isEmpty)
  }
}

// MARK: - Fixtures

private let sampleLog = """
  ==================
  WARNING: ThreadSanitizer: data race (pid=19808)
    Write of size 8 at 0x7b0c00000010 by thread T4:
      #0 $s14CounterLocking0A0C9increment2byySi_tF /w/Exercises/02-CounterLocking/Counter.swift:45:11 (x+0x1) (BuildId: 1)
      #1 closure /w/Tests/CounterLockingTests/CounterLockingTests.swift:30:9 (x+0x2)

    Previous read of size 8 at 0x7b0c00000010 by thread T2:
      #0 $s14CounterLocking0A0C5valueSivg /w/Exercises/02-CounterLocking/Counter.swift:32:5 (x+0x3) (BuildId: 1)

    Location is heap block of size 40 at 0x7b0c00000000 allocated by thread T1:
      #0 malloc (x+0x4)

  SUMMARY: ThreadSanitizer: data race /w/Exercises/02-CounterLocking/Counter.swift:45:11 in $s14CounterLocking0A0C9increment2byySi_tF
  ==================
  WARNING: ThreadSanitizer: Swift access race (pid=19808)
    Modifying access of Swift variable at 0x7b0c00000020 by thread T3:
      #0 $s1m3fooyyF /w/m.swift (x+0x5)

    Previous modifying access of Swift variable at 0x7b0c00000020 by thread T5:
      #0 $s1m3baryyF /w/m.swift:7:3 (x+0x6)

  SUMMARY: ThreadSanitizer: Swift access race /w/m.swift in $s1m3fooyyF
  ==================
  """
