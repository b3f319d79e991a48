import FaultSupport
import Flood
import Testing

@Suite("Flood chapter")
struct FloodTests {
  @Test("printing 100 MiB still passes")
  func flood() {
    ProcessLog.recordSuite("Flood")
    #expect(printMebibytes(100) > 100 * 1_000_000)
  }

  @Test("shouting capitalizes")
  func shouting() {
    ProcessLog.recordSuite("Flood")
    #expect(shout("hey") == "HEY")  // grader points here
  }
}
