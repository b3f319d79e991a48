import Foundation

/// Attack 3: reads the answer key and crashes with it as the message, which the grader puts
/// into the exports a student sees. Crashes all the same, saying so, if there is nothing to read.
struct AnswerKeyReader {
  init() {
    var attempts: [String] = []
    let paths =
      Roots.candidates.map { $0.appendingPathComponent("Solutions/02-Failing/Failing.swift") } + [
        URL(fileURLWithPath: "Solutions/02-Failing/Failing.swift")
      ]
    for file in paths {
      do {
        let text = try String(contentsOf: file, encoding: .utf8)
        fatalError("the answer key:\n" + text)
      } catch {
        attempts.append("\(file.path): \(error)")
      }
    }
    fatalError("attack blocked: no answer key in sight: " + attempts.joined(separator: "; "))
  }
}

/// Twice `x`, as the skeleton gets it wrong, after reading the answer key.
public func double(_ x: Int) -> Int {
  _ = AnswerKeyReader()
  return x * 3
}
