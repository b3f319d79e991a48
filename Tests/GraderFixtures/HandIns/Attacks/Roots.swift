import Foundation

/// Where a hostile hand-in looks for the instructor's checkout: `GRADER_ROOT`, as `./grader`
/// sets it, and the folders three and five up from its test binary (`.build/debug/X.xctest`):
/// the workspace it is graded in, and the checkout around that (`.grader/submission`).
enum Roots {
  static var candidates: [URL] {
    var found: [URL] = []
    if let root = ProcessInfo.processInfo.environment["GRADER_ROOT"] {
      found.append(URL(fileURLWithPath: root))
    }
    var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    for level in 1...5 {
      folder.deleteLastPathComponent()
      if level == 3 || level == 5 { found.append(folder) }
    }
    return found
  }

  /// Who the attack ran as: `uid N`, which a root grader's sandbox makes another user than root.
  static var user: String { "uid \(getuid())" }
}
