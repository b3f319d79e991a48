import EndlessSleep
import FaultSupport
import Testing

// Serialized, so the sleeping test is the only one running at the deadline.
@Suite("Endless sleep chapter", .serialized)
struct EndlessSleepTests {
  @Test("three is odd")
  func odd() {
    ProcessLog.recordSuite("EndlessSleep")
    #expect(!3.isMultiple(of: 2))
  }

  @Test("waiting for a wake-up call")
  func sleepForever() async throws {
    ProcessLog.recordSuite("EndlessSleep")
    try await waitForWakeUpCall()
  }
}
