import FaultSupport
import Segfault
import Testing

// Serialized, so the crashing test is the only one running when the process dies.
@Suite("Segmentation fault chapter", .serialized)
struct SegfaultTests {
  @Test("one plus one is two")
  func arithmetic() {
    ProcessLog.recordSuite("Segfault")
    #expect(1 + 1 == 2)
  }

  @Test("a write through a bad pointer")
  func badPointer() {
    ProcessLog.recordSuite("Segfault")
    #expect(writeThroughABadPointer() == 42)
  }
}
