/// Counts how often each word occurs in `text`: the CPU-bound step of the pipeline.
///
/// A word is a run of characters that are not whitespace; spaces, tabs and newlines, one or
/// many, separate words. Words are counted exactly as written: `Lock` and `lock` are two words.
/// The function touches nothing but its argument and its own dictionary, so any number of
/// threads can run it at once without a lock.
///
/// Lesson: README.md, section "Counting words: the CPU-bound stage".
public func countWords(in text: String) -> [String: Int] {
  // TODO: split `text` at whitespace and count each word.
  [:]
}

/// The pipeline's answer: how often each word occurs over all documents, and how many documents
/// were counted.
public struct WordTally: Sendable, Equatable {
  /// How often each word occurs, over every document counted.
  public var counts: [String: Int]
  /// How many documents were counted.
  public var documents: Int

  /// A tally of `counts` over `documents` documents; empty by default.
  public init(counts: [String: Int] = [:], documents: Int = 0) {
    self.counts = counts
    self.documents = documents
  }

  /// Adds the word counts of one more document.
  public mutating func add(_ document: [String: Int]) {
    counts.merge(document, uniquingKeysWith: +)
    documents += 1
  }
}
