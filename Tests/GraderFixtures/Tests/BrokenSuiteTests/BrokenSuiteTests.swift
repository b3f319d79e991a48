import BrokenSuite
import FaultSupport
import Testing

@Suite("Broken suite chapter")
struct BrokenSuiteTests {
  @Test("half of 8 is 4")
  func halfOfEight() {
    ProcessLog.recordSuite("BrokenSuite")
    let result = halve(8)  // grader points here
    #expect(result == 4)
  }
}
