import FaultSupport
import ForgedReport
import Testing

@Suite("Forged report chapter")
struct ForgedReportTests {
  @Test("the answer is 42")
  func answerIs42() {
    ProcessLog.recordSuite("ForgedReport")
    #expect(answer() == 42)
  }
}
