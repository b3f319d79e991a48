import FaultSupport
import Healthy
import Testing

@Suite("Healthy chapter")
struct HealthyTests {
  @Test("the first triangle number is 1")
  func first() {
    ProcessLog.recordSuite("Healthy")
    #expect(triangle(1) == 1)
  }

  @Test("the tenth triangle number is 55")
  func tenth() {
    ProcessLog.recordSuite("Healthy")
    #expect(triangle(10) == 55)
  }
}
