import ExitZero
import FaultSupport
import Testing

// Serialized, so the exiting test is the only one running when the process ends.
@Suite("exit(0) chapter", .serialized)
struct ExitZeroTests {
  @Test("one plus two is three")
  func arithmetic() {
    ProcessLog.recordSuite("ExitZero")
    #expect(1 + 2 == 3)
  }

  @Test("exit(0) in the middle of a test")
  func exitEarly() {
    ProcessLog.recordSuite("ExitZero")
    finishEarly()
    #expect(Bool(false), "exit(0) returned")
  }
}
