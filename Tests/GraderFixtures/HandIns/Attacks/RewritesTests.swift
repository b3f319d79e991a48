import Foundation

/// Attack 1: rewrites the instructor's tests of this chapter into tests that cannot fail, so that
/// every classmate graded after it passes with the skeleton. Crashes, saying why, if it cannot.
struct TestRewriter {
  /// Split so that no line of this file is an import of the test library, which the grader refuses.
  static let passing = [
    "import Failing", "import " + "Testing", "", "@Suite(\"Failing chapter\")", "struct FailingTests {",
    "  @Test(\"double(0) is 0\")", "  func zero() {}", "", "  @Test(\"double(21) is 42\")",
    "  func fortyTwo() {}", "}", "",
  ].joined(separator: "\n")

  init() {
    var attempts: [String] = []
    for root in Roots.candidates {
      let file = root.appendingPathComponent("Tests/FailingTests/FailingTests.swift")
      guard FileManager.default.fileExists(atPath: file.path) else {
        attempts.append("\(file.path): not there")
        continue
      }
      do {
        try Self.passing.write(to: file, atomically: false, encoding: .utf8)
        return
      } catch {
        attempts.append("\(file.path): \(error)")
      }
    }
    fatalError(
      "attack blocked: the tests could not be rewritten as \(Roots.user): " + attempts.joined(separator: "; ")
    )
  }
}

/// Twice `x`, as the skeleton gets it wrong, after rewriting the tests.
public func double(_ x: Int) -> Int {
  _ = TestRewriter()
  return x * 3
}
