import Testing
import TestingImport

@Suite("Testing import chapter")
struct TestingImportTests {
  @Test("the answer is 42")
  func answerIs42() throws {
    #expect(try answer() == 42)
  }
}
