import FaultSupport
import MemoryHog
import Testing

@Suite("Memory hog chapter")
struct MemoryHogTests {
  @Test("eight gigabytes are filled")
  func eightGigabytes() {
    ProcessLog.recordSuite("MemoryHog")
    #expect(fill(gigabytes: 8) == 8 << 30)
  }
}
