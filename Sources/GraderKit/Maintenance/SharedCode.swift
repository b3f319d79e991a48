/// Code that two Swift files share: how `./grader check` finds a demo that gives a solution away.
///
/// A copy is seldom exact: names change, a pause becomes `usleep`, comments and line breaks move.
/// So each file is reduced to its code lines, each line to its tokens, and two lines are alike
/// when at most half of the longer one's tokens must change (an edit distance over tokens);
/// comments, blank lines, lines of braces alone, imports, `#if` lines and `print` lines (what a
/// demo says, never what it does) are left out. A run of `minimumRun` alike lines in a row is a
/// copy. Four is the judgement: the workbook's demos and its tests, written by the same hands with
/// the same APIs, share at most three such lines with code they do not copy, while a solution's
/// locked read–pause–write or its task-group loop retyped with other names is four or more.
struct SharedCode {
  /// The fewest alike lines in a row that make a copy.
  static let minimumRun = 4

  /// A code line: its number in the file (from 1) and its tokens.
  struct Line {
    var number: Int
    var tokens: [Substring]
  }

  /// The longest run of alike lines two files share: where it starts in each, and how long it is.
  struct Run {
    var length: Int
    /// The first line of the run in each file, numbered from 1.
    var firstLine: Int
    var otherFirstLine: Int
  }

  /// The code lines of a Swift source, tokenized.
  static func lines(of source: String) -> [Line] {
    var lines: [Line] = []
    var inBlockComment = false
    for (index, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      var text = Substring(raw)
      if inBlockComment {
        guard let end = text.range(of: "*/") else { continue }
        text = text[end.upperBound...]
        inBlockComment = false
      }
      let tokens = tokenize(text, inBlockComment: &inBlockComment)
      guard let first = tokens.first, !tokens.allSatisfy({ "{}()[],;".contains($0) }) else { continue }
      if ["import", "#if", "#elseif", "#else", "#endif", "print"].contains(first) { continue }
      lines.append(Line(number: index + 1, tokens: tokens))
    }
    return lines
  }

  /// The longest run of alike lines `a` and `b` share, or nil if they share none.
  static func longestRun(_ a: [Line], _ b: [Line]) -> Run? {
    var best: Run?
    var previous = [Int](repeating: 0, count: b.count + 1)
    for i in a.indices {
      var current = [Int](repeating: 0, count: b.count + 1)
      for j in b.indices where areAlike(a[i].tokens, b[j].tokens) {
        current[j + 1] = previous[j] + 1
        if current[j + 1] > (best?.length ?? 0) {
          let length = current[j + 1]
          best = Run(
            length: length, firstLine: a[i - length + 1].number, otherFirstLine: b[j - length + 1].number)
        }
      }
      previous = current
    }
    return best
  }

  /// Whether two lines differ in at most half the tokens of the longer one.
  static func areAlike(_ a: [Substring], _ b: [Substring]) -> Bool {
    if a == b { return true }
    guard !a.isEmpty && !b.isEmpty else { return false }
    let budget = max(a.count, b.count) / 2
    // The distance is at least the difference in length: most pairs stop here.
    guard abs(a.count - b.count) <= budget else { return false }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + [Int](repeating: 0, count: b.count)
      for j in 1...b.count {
        current[j] = min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      if current.min()! > budget { return false }
      previous = current
    }
    return previous[b.count] <= budget
  }

  /// The tokens of one line: words, numbers, string literals (one token each) and single marks;
  /// a `//` comment ends the line, a `/* */` comment is skipped, and may go on past the line.
  private static func tokenize(_ line: Substring, inBlockComment: inout Bool) -> [Substring] {
    var tokens: [Substring] = []
    var index = line.startIndex
    while index < line.endIndex {
      let character = line[index]
      let rest = line[index...]
      if character.isWhitespace {
        index = line.index(after: index)
      } else if rest.hasPrefix("//") {
        break
      } else if rest.hasPrefix("/*") {
        guard let end = rest.range(of: "*/") else {
          inBlockComment = true
          break
        }
        index = end.upperBound
      } else if character == "\"" {
        var end = line.index(after: index)
        while end < line.endIndex && line[end] != "\"" {
          // An escaped character, such as \", is part of the string.
          if line[end] == "\\" && line.index(after: end) < line.endIndex { end = line.index(after: end) }
          end = line.index(after: end)
        }
        if end < line.endIndex { end = line.index(after: end) }
        tokens.append(line[index..<end])
        index = end
      } else if character.isLetter || character.isNumber || character == "_" || character == "#"
        || character == "$"
      {
        var end = line.index(after: index)
        while end < line.endIndex, line[end].isLetter || line[end].isNumber || line[end] == "_" {
          end = line.index(after: end)
        }
        tokens.append(line[index..<end])
        index = end
      } else {
        tokens.append(line[index...index])
        index = line.index(after: index)
      }
    }
    return tokens
  }
}
