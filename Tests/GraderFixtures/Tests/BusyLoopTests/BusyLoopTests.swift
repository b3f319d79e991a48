import BusyLoop
import FaultSupport
import Testing

// Serialized, so the spinning test is the only one running at the deadline.
@Suite("Busy loop chapter", .serialized)
struct BusyLoopTests {
  @Test("two is even")
  func even() {
    ProcessLog.recordSuite("BusyLoop")
    #expect(2.isMultiple(of: 2))
  }

  @Test("counting until negative")
  func spin() {
    ProcessLog.recordSuite("BusyLoop")
    #expect(countUntilNegative() < 0)
  }
}
