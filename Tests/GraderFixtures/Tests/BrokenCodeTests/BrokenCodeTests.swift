import BrokenCode
import FaultSupport
import Testing

@Suite("Broken code chapter")
struct BrokenCodeTests {
  @Test("the greeting says hello")
  func hello() {
    ProcessLog.recordSuite("BrokenCode")
    #expect(greeting().hasPrefix("Hello"))
  }
}
