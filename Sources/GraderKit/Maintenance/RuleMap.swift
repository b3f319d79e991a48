import Foundation

/// Each rule a lesson teaches, the tests that enforce it and the mutants that break it.
///
/// A lesson ends with a `## Rules` section, one rule a line: `- **R09.4** …`, in the student's
/// words, or `- **R04.7** (untestable on Linux: why) …` for one no test can provoke here. A test
/// names the rules it enforces in a comment line right above its `@Test`, `// R09.4` or
/// `// R09.4, R09.5`; a mutant names the rules it breaks in a line of its header, before the diff,
/// `// Breaks: R09.4`. `./grader check` reads the map from the pristine sources, before anything
/// builds, and fails a rule without a test or a mutant, a test or mutant that names a rule the
/// lesson does not have, and a mutant that no test of its rules catches. A chapter whose lesson has
/// no `## Rules` section yet is counted as not yet mapped, not failed.
public struct RuleMap: Sendable {
  /// One line of a lesson's `## Rules` section.
  public struct Rule: Sendable, Equatable {
    /// `R09.4`.
    public var id: String
    /// The rule in the student's words.
    public var text: String
    /// Why no test can provoke it on this platform, for a rule marked `(untestable on …: why)`.
    public var untestable: String?
  }

  /// One chapter's rules, and who names them.
  public struct ChapterMap: Sendable {
    public var chapter: Chapter
    /// The lesson's rules; nil when the lesson has no `## Rules` section yet.
    public var rules: [Rule]?
    /// Lines of the `## Rules` section that are not rules, such as `- R09.4 …` without the bold.
    public var malformed: [String]
    /// Each test's display name and the rules its comment names, in source order.
    public var tests: [(test: String, rules: [String])]
    /// Each mutant's name and the rules its header names, by name.
    public var mutants: [(mutant: String, rules: [String])]

    /// The display names of the tests that name `rule`.
    public func tests(of rule: String) -> [String] { tests.filter { $0.rules.contains(rule) }.map(\.test) }
    /// The names of the mutants that name `rule`.
    public func mutants(of rule: String) -> [String] {
      mutants.filter { $0.rules.contains(rule) }.map(\.mutant)
    }
  }

  public let chapters: [ChapterMap]

  /// Reads the map of every chapter of `workbook` from its lessons, test sources and mutants.
  public init(workbook: Workbook) {
    let mutants = Mutants(workbook: workbook).all()
    chapters = workbook.chapters.map { chapter in
      let lesson = workbook.folder(of: chapter, in: .exercises).appendingPathComponent("README.md")
      let section = Self.rulesSection(inLesson: (try? String(contentsOf: lesson, encoding: .utf8)) ?? "")
      let testFolder = workbook.root.appendingPathComponent("Tests/\(chapter.testModule)")
      let sources = ((try? FileManager.default.contentsOfDirectory(atPath: testFolder.path)) ?? [])
        .filter { $0.hasSuffix(".swift") }.sorted()
        .map { (try? String(contentsOf: testFolder.appendingPathComponent($0), encoding: .utf8)) ?? "" }
      return ChapterMap(
        chapter: chapter, rules: section?.rules, malformed: section?.malformed ?? [],
        tests: sources.flatMap(Self.tests(inSource:)),
        mutants: mutants.filter { $0.chapter == chapter }.map { mutant in
          (mutant.name, Self.rules(inPatch: (try? String(contentsOf: mutant.patch, encoding: .utf8)) ?? ""))
        })
    }
  }

  /// The heading of the section that lists a lesson's rules.
  static let heading = "## Rules"

  /// The rules of a lesson's `## Rules` section and the lines in it that are not rules; nil without one.
  static func rulesSection(inLesson text: String) -> (rules: [Rule], malformed: [String])? {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == heading }) else {
      return nil
    }
    var rules: [Rule] = []
    var malformed: [String] = []
    for line in lines[(start + 1)...] {
      if line.hasPrefix("## ") || line.hasPrefix("# ") { break }
      // A rule may wrap: an indented line continues the rule above it.
      if line.hasPrefix("  "), !rules.isEmpty, !line.trimmingCharacters(in: .whitespaces).isEmpty {
        rules[rules.count - 1].text += " " + line.trimmingCharacters(in: .whitespaces)
        continue
      }
      guard line.hasPrefix("- ") else { continue }
      guard let match = line.wholeMatch(of: /- \*\*(R\d{2}\.\d+)\*\*\s+(.+)/) else {
        malformed.append(line)
        continue
      }
      var text = String(match.2)
      var untestable: String?
      if let marker = text.prefixMatch(of: /\((untestable on [^:()]+:[^()]+)\)\s*/) {
        untestable = String(marker.1)
        text = String(text[marker.range.upperBound...])
      }
      rules.append(Rule(id: String(match.1), text: text, untestable: untestable))
    }
    return (rules, malformed)
  }

  /// Each `@Test("…")` of a test source and the rules named in the comment lines right above it.
  static func tests(inSource source: String) -> [(test: String, rules: [String])] {
    source.matches(of: /@Test\(\s*"((?:[^"\\]|\\.)*)"/).map { match in
      let name = ExpectedTests.names(inSource: String(source[match.range])).first ?? ""
      // The lines above the attribute, nearest first, as long as they are comments.
      var rules: [String] = []
      let above = source[..<match.range.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
      for line in above.dropLast().reversed() {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("//") else { break }
        if trimmed.prefixMatch(of: /\/\/\s*R\d{2}\.\d+/) != nil { rules = ruleIDs(in: trimmed) + rules }
      }
      return (name, rules)
    }
  }

  /// The rules a mutant's header names: the IDs on its `// Breaks:` lines, before the diff begins.
  static func rules(inPatch text: String) -> [String] {
    Mutants.headerValues("// Breaks:", in: text).flatMap(ruleIDs(in:))
  }

  private static func ruleIDs(in text: String) -> [String] {
    text.matches(of: /R\d{2}\.\d+/).map { String($0.output) }
  }

  /// The named checks of the map: every rule has a test and a mutant, every name names a rule.
  func items() -> [Check.Item] {
    chapters.flatMap { map -> [Check.Item] in
      let chapter = map.chapter
      func item(_ name: String, _ problem: String?) -> Check.Item {
        Check.Item(name: "\(chapter.folder) · \(name)", problem: problem)
      }
      let rules = map.rules ?? []
      let known = Set(rules.map(\.id))
      var items: [Check.Item] = []
      if map.rules != nil {
        let prefix = "R\(chapter.number)."
        let foreign = rules.map(\.id).filter { !$0.hasPrefix(prefix) }
        let repeated = Dictionary(grouping: rules.map(\.id), by: { $0 }).filter { $0.value.count > 1 }.keys
          .sorted()
        var problems: [String] = []
        if rules.isEmpty { problems.append("the \(Self.heading) section lists no rule") }
        if !map.malformed.isEmpty {
          problems.append(
            "not a rule line (`- **\(prefix)N** …`): \(map.malformed.map { "\"\($0)\"" }.joined(separator: ", "))"
          )
        }
        if !foreign.isEmpty {
          problems.append("\(foreign.joined(separator: ", ")) must begin with \(prefix)")
        }
        if !repeated.isEmpty { problems.append("\(repeated.joined(separator: ", ")) listed twice") }
        items.append(item("lists its rules", problems.isEmpty ? nil : problems.joined(separator: "; ")))
      }
      for rule in rules where rule.untestable == nil {
        let (tests, mutants) = (map.tests(of: rule.id), map.mutants(of: rule.id))
        let missing = [
          tests.isEmpty ? "no test names it (// \(rule.id) above its @Test)" : nil,
          mutants.isEmpty ? "no mutant breaks it (// Breaks: \(rule.id) in a patch's header)" : nil,
        ].compactMap { $0 }
        items.append(
          item(
            "\(rule.id) is enforced by a test and broken by a mutant",
            missing.isEmpty ? nil : missing.joined(separator: "; ") + ": \"\(rule.text)\""))
      }
      let unmapped = map.rules == nil ? " (the lesson has no \(Self.heading) section)" : ""
      for (test, named) in map.tests where !named.isEmpty {
        let unknown = named.filter { !known.contains($0) }
        items.append(
          item(
            "test \"\(test)\" names rules of the lesson",
            unknown.isEmpty
              ? nil : "\(unknown.joined(separator: ", ")): no such rule in the lesson\(unmapped)"))
      }
      for (mutant, named) in map.mutants where !named.isEmpty || map.rules != nil {
        let unknown = named.filter { !known.contains($0) }
        let problem =
          named.isEmpty
          ? "its header names no rule: add // Breaks: R\(chapter.number).N"
          : unknown.isEmpty
            ? nil : "\(unknown.joined(separator: ", ")): no such rule in the lesson\(unmapped)"
        items.append(item("mutant \(mutant) names the rules it breaks", problem))
      }
      return items
    }
  }

  /// What a caught mutant still lacks: a failing test among the tests of the rules it breaks.
  ///
  /// A mutant caught only by another rule's test proves nothing about its own rule's test. A crash
  /// ends every test of the suite at once, so it counts as caught by all of them.
  func problem(of outcome: Mutants.Outcome) -> String? {
    guard outcome.isCaught, outcome.result.status == .failed,
      let map = chapters.first(where: { $0.chapter == outcome.mutant.chapter }), map.rules != nil,
      let named = map.mutants.first(where: { $0.mutant == outcome.mutant.name })?.rules, !named.isEmpty
    else { return nil }
    let enforcing = Set(named.flatMap(map.tests(of:)))
    let failing = outcome.result.tests.filter { !$0.passed }.map(\.name)
    guard !failing.contains(where: enforcing.contains) else { return nil }
    return "no test of \(named.joined(separator: ", ")) fails it, only: "
      + failing.prefix(3).map { "\"\($0)\"" }.joined(separator: ", ")
  }

  /// One line for the end of `./grader check`: how much of the course is mapped.
  public var summary: String {
    let mapped = chapters.filter { $0.rules != nil }
    let rules = mapped.flatMap { $0.rules ?? [] }
    let untestable = rules.filter { $0.untestable != nil }.count
    let tests = mapped.map { $0.tests.filter { !$0.rules.isEmpty }.count }.reduce(0, +)
    let mutants = mapped.map { $0.mutants.filter { !$0.rules.isEmpty }.count }.reduce(0, +)
    let notYet = chapters.filter { $0.rules == nil }.map(\.chapter.number)
    return "rules: \(mapped.count) of \(chapters.count) chapters mapped, \(rules.count) rules "
      + "(\(untestable) untestable on this platform), enforced by \(tests) tests, broken by \(mutants) mutants"
      + (notYet.isEmpty ? "" : "; rules not yet mapped: \(notYet.joined(separator: ", "))")
  }

  /// Per chapter: rules, untestable rules, and the tests and mutants that name a rule; a Markdown table.
  ///
  /// It counts only what names a rule, so a test or mutant added without one leaves it as it is.
  public var table: String {
    var lines = [
      "| chapter | rules | untestable | tests | mutants |",
      "|---------|------:|-----------:|------:|--------:|",
    ]
    for map in chapters {
      let rules = map.rules.map { String($0.count) } ?? "not yet mapped"
      let untestable = map.rules?.filter { $0.untestable != nil }.count ?? 0
      lines.append(
        "| \(map.chapter.folder) | \(rules) | \(untestable) | \(map.tests.filter { !$0.rules.isEmpty }.count) | "
          + "\(map.mutants.filter { !$0.rules.isEmpty }.count) |")
    }
    return lines.joined(separator: "\n")
  }

  /// Where CONTRIBUTING.md holds the table, between these two lines.
  static let tableMarkers = (
    "<!-- rules table: ./grader check keeps it current -->", "<!-- end of rules table -->"
  )

  /// The check that CONTRIBUTING.md's table says what the sources say.
  func tableItem(contributing: URL) -> Check.Item {
    let text = (try? String(contentsOf: contributing, encoding: .utf8)) ?? ""
    let (start, end) = Self.tableMarkers
    let current: String? = text.range(of: start).flatMap { open in
      text.range(of: end, range: open.upperBound..<text.endIndex).map {
        String(text[open.upperBound..<$0.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
      }
    }
    let problem: String? =
      switch current {
      case nil: "CONTRIBUTING.md has no table of rules between \(start) and \(end)"
      case table: nil
      default: "CONTRIBUTING.md's table of rules is out of date; between its markers it must read:\n\(table)"
      }
    return Check.Item(
      name: "CONTRIBUTING.md counts the rules, tests and mutants of each chapter", problem: problem)
  }
}
