import Foundation

/// The tests a chapter's suite declares, read from its pristine source: what a run must report.
///
/// A grade counts only tests this list names, each on positive evidence from the run (started,
/// ended, no issue, neither skipped nor cancelled). The list never comes from the run itself, so
/// a run that reports fewer tests, or tests of its own, earns nothing for them, and a chapter
/// that does not compile still shows how many tests it has (0/4). `./grader check` proves that
/// the list matches what the solutions' run reports.
enum ExpectedTests {
  /// The display names of every `@Test("…")` in the `.swift` files of `folder`, in source order.
  static func names(in folder: URL) -> [String] {
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
      .filter { $0.hasSuffix(".swift") }.sorted()
    return files.flatMap { name in
      names(inSource: (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? "")
    }
  }

  /// The display names of the `@Test("…")` attributes of one source file.
  static func names(inSource source: String) -> [String] {
    source.matches(of: /@Test\(\s*"((?:[^"\\]|\\.)*)"/).map { unescaped(String($0.1)) }
  }

  /// A Swift string literal's text as the program sees it: `\"` is `"`, `\u{D7}` is `×`.
  private static func unescaped(_ literal: String) -> String {
    var text = ""
    var characters = literal.makeIterator()
    while let character = characters.next() {
      guard character == "\\", let escaped = characters.next() else {
        text.append(character)
        continue
      }
      switch escaped {
      case "n": text.append("\n")
      case "t": text.append("\t")
      case "0": text.append("\0")
      case "u":
        var digits = ""
        while let next = characters.next(), next != "}" {
          if next != "{" { digits.append(next) }
        }
        if let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) {
          text.unicodeScalars.append(scalar)
        }
      default: text.append(escaped)
      }
    }
    return text
  }
}
