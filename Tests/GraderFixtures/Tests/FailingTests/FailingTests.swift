import Failing
import FaultSupport
import Testing

@Suite("Failing chapter")
struct FailingTests {
  @Test("double(0) is 0")
  func zero() {
    ProcessLog.recordSuite("Failing")
    #expect(double(0) == 0)
  }

  @Test("double(21) is 42")
  func fortyTwo() {
    ProcessLog.recordSuite("Failing")
    #expect(double(21) == 42)  // grader points here
    TraceStub.write("double-21", saying: "double(21) = \(double(21))")
  }
}
