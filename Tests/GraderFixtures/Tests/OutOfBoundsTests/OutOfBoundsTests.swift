import FaultSupport
import OutOfBounds
import Testing

// Serialized, so the crashing test is the only one running when the process dies.
@Suite("Out-of-bounds chapter", .serialized)
struct OutOfBoundsTests {
  @Test("an empty array has no elements")
  func empty() {
    ProcessLog.recordSuite("OutOfBounds")
    #expect([Int]().isEmpty)
  }

  @Test("the last of 1, 2, 3 is 3")
  func last() {
    ProcessLog.recordSuite("OutOfBounds")
    #expect(lastElement(of: [1, 2, 3]) == 3)
  }
}
