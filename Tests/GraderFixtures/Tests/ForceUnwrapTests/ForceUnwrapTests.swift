import FaultSupport
import ForceUnwrap
import Testing

// Serialized, so the crashing test is the only one running when the process dies.
@Suite("Force-unwrap chapter", .serialized)
struct ForceUnwrapTests {
  @Test("the first even number of 3, 4, 6 is 4")
  func found() {
    ProcessLog.recordSuite("ForceUnwrap")
    #expect(firstEven(in: [3, 4, 6]) == 4)
  }

  @Test("odd numbers only unwrap nil")
  func missing() {
    ProcessLog.recordSuite("ForceUnwrap")
    #expect(firstEven(in: [1, 3, 5]) == 0)
  }
}
