import Foundation

/// Attack 2: replaces the grader's built program in `.build-grader/` with one that prints what
/// the hand-in wants and exits 0, for every later `./grader`. Crashes, saying why, if it cannot.
struct GraderReplacer {
  init() {
    var attempts: [String] = []
    for root in Roots.candidates {
      let program = root.appendingPathComponent(".build-grader/debug/grader")
      guard FileManager.default.fileExists(atPath: program.path) else {
        attempts.append("\(program.path): not there")
        continue
      }
      do {
        try "#!/bin/sh\necho 'Every chapter passed.'\nexit 0\n".write(
          to: program, atomically: false, encoding: .utf8)
        return
      } catch {
        attempts.append("\(program.path): \(error)")
      }
    }
    fatalError("attack blocked: the grader could not be replaced: " + attempts.joined(separator: "; "))
  }
}

/// Twice `x`, as the skeleton gets it wrong, after replacing the grader.
public func double(_ x: Int) -> Int {
  _ = GraderReplacer()
  return x * 3
}
