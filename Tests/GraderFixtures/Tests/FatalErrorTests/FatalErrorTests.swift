import FatalError
import FaultSupport
import Testing

// Serialized, so the crashing test is the only one running when the process dies.
@Suite("fatalError chapter", .serialized)
struct FatalErrorTests {
  @Test("a number is a port")
  func number() {
    ProcessLog.recordSuite("FatalError")
    #expect(port(in: "8080") == 8080)
  }

  @Test("a word calls fatalError")
  func word() {
    ProcessLog.recordSuite("FatalError")
    #expect(port(in: "http") == 80)
  }
}
