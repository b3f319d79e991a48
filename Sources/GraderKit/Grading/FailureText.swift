import WorkbookCore

/// Turns what a failed expectation reported into a message for a student: the test's own words
/// first, the expanded expression below them, and no list longer than a few elements.
enum FailureText {
  /// The message of one issue: the test's comments, then the expression Swift Testing expanded.
  ///
  /// The comment says what went wrong in words (`6 threads × 31 increments: expected 310, got 155`);
  /// the expansion (`(value → 155) == (expected → 310)`) is the evidence, read second.
  /// A timeline the test drew (`TimelineText`) comes last, after the expansion: it is the longest
  /// part, and a picture of the evidence.
  static func message(expectation: String?, comments: [String]) -> String {
    let isTimeline = { (comment: String) in comment.hasPrefix(TimelineText.heading + " (") }
    // `Issue.record("…")` reports "Issue recorded" before its comment: the comment says it all.
    let evidence = expectation == "Issue recorded" && !comments.isEmpty ? nil : expectation
    let lines =
      comments.filter { !isTimeline($0) }.map { shorteningLists($0) }
      + (evidence.map { [shorteningLists(withoutTypeNames(withoutUnknownContexts($0)))] } ?? [])
      + comments.filter(isTimeline)
    return lines.joined(separator: "\n")
  }

  /// Drops the runtime's `(unknown context at $55d1c2a4e0f0)` from type names in an expansion.
  static func withoutUnknownContexts(_ text: String) -> String {
    text.replacing(#/\(unknown context at \$[0-9a-fA-F]+\)\.?/#, with: "")
  }

  /// Drops the values of an expansion that are only a type's name: a test helper without a
  /// description of its own (`BackgroundCall`, a gate) prints as its type, which tells a student
  /// nothing and names the test support's types.
  ///
  ///     (scraping → WorkbookTestSupport.BackgroundCall<Swift.Dictionary<…>>).result() → nil
  ///     scraping.result() → nil
  static func withoutTypeNames(_ text: String) -> String {
    // `(name → Module.Type<Generic, Arguments>)`: a value that reads like a type's name; an
    // argument may be a tuple, `BackgroundCall<()>`, `BackgroundCall<(Swift.Int, Swift.Int)>`.
    let typeNameValue =
      #/\(([A-Za-z_][A-Za-z0-9_.]*) → ([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:<(?:[^()→]|\([^()→]*\))*>)?)\)/#
    return text.replacing(typeNameValue) { match in
      let (name, value) = (match.output.1, match.output.2)
      return value.contains(".") || value.contains("<") ? name : match.output.0
    }
  }

  /// Cuts every bracketed list of more than `limit` elements to its first `kept`, and says how many more.
  ///
  ///     shorteningLists("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]")   // "[1, 2, 3, 4, 5, … 5 more]"
  static func shorteningLists(_ text: String, keeping kept: Int = 5, above limit: Int = 8) -> String {
    var output: [Character] = []
    // Each open bracket or parenthesis, with the places of the commas directly inside it.
    var open: [(bracket: Character, commas: [Int])] = []
    var inString = false
    for character in text {
      if character == "\"" { inString.toggle() }
      if inString {
        output.append(character)
        continue
      }
      switch character {
      case "[", "(":
        open.append((character, []))
      case ",":
        if !open.isEmpty { open[open.count - 1].commas.append(output.count) }
      case "]", ")":
        if let list = open.popLast(), list.bracket == "[", list.commas.count + 1 > limit {
          output.removeSubrange(list.commas[kept - 1]...)
          output += ", … \(list.commas.count + 1 - kept) more"
        }
      default:
        break
      }
      output.append(character)
    }
    return String(output)
  }
}
