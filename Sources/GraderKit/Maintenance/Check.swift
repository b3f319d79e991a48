import Foundation

/// The maintainers' test: every invariant of the workbook, each one a named check.
///
/// Every solution passes every test; every skeleton fails every test of its chapter, without
/// crashing or hanging; `Exercises/` and `Solutions/` mirror each other file for file with the
/// same public declarations; every exercise chapter has a lesson, hints and a `// TODO:`; and
/// the grader's and the fixture server's own suites pass.
public struct Check {
  /// One named check and what broke it.
  public struct Item: Sendable {
    public var name: String
    public var problem: String?
    public var isPassing: Bool { problem == nil }
  }

  public let workbook: Workbook
  public var configure: @Sendable (inout Grader) -> Void = { _ in }
  /// Grade every mutant (`--all-mutants`), not only this commit's share of them (`Mutants.share`).
  public var gradesAllMutants = false

  /// The suites that are not chapters and must pass with the solutions.
  public static let toolingSuites = [("GraderKit", "Grader"), ("FixtureServer", "Fixture server")]

  public init(workbook: Workbook) {
    self.workbook = workbook
  }

  public func run() throws -> [Item] {
    var items = layoutItems() + ruleItems()
    var solutions = Grader(workbook: workbook, sources: .solutions)
    configure(&solutions)
    // The tooling suites are left out of a plain build, so `swift test` runs only the course.
    solutions.includesToolingTests = true
    let solutionsBuild = try solutions.build()
    for chapter in solutions.run(workbook.chapters, on: solutionsBuild, seed: solutions.seed).chapters {
      items += testItems(chapter, sources: .solutions)
    }
    for (module, title) in Self.toolingSuites {
      items += testItems(
        solutions.runToolingSuite(module: module, title: title, on: solutionsBuild), sources: .solutions)
    }
    var exercises = Grader(workbook: workbook, sources: .exercises)
    configure(&exercises)
    exercises.seed = solutions.seed
    let skeletons = try exercises.grade()
    for chapter in skeletons.chapters {
      items += testItems(chapter, sources: .exercises)
    }
    // The READMEs' example of ./grader is this very grade's table, but for the seed.
    for (file, problem) in ReadmeExample(workbook: workbook).problems(for: skeletons) {
      items.append(Item(name: "\(file) shows the skeletons' table as ./grader prints it", problem: problem))
    }
    var mutants = Mutants(workbook: workbook)
    let (configure, seed) = (self.configure, solutions.seed)
    mutants.configure = { grader in
      configure(&grader)
      grader.seed = seed
    }
    let rules = RuleMap(workbook: workbook)
    for outcome in try mutants.run(mutantsToGrade().graded) {
      var item = Self.item(outcome)
      item.problem = item.problem ?? rules.problem(of: outcome)
      items.append(item)
    }
    return items
  }

  /// The mutants this check grades, out of all of them: every one with `--all-mutants`, or else
  /// this commit's share (`Mutants.share`), and the turn that chose the share.
  public func mutantsToGrade() -> (graded: [Mutants.Mutant], all: [Mutants.Mutant], turn: Int?) {
    let mutants = Mutants(workbook: workbook)
    let all = mutants.all()
    guard !gradesAllMutants else { return (all, all, nil) }
    let turn = mutants.turn()
    return (mutants.share(of: all, rounds: Mutants.roundsPerCheck, turn: turn), all, turn)
  }

  /// The map from the lessons' rules to tests and mutants (`RuleMap`), checked in full every time.
  func ruleItems() -> [Item] {
    let map = RuleMap(workbook: workbook)
    return map.items() + [
      map.tableItem(contributing: workbook.root.appendingPathComponent("CONTRIBUTING.md"))
    ]
  }

  /// What is wrong with a chapter's given code on the solution side, or nil.
  ///
  /// Given code exists once, in `Exercises/NN-Module/Given/`; `Solutions/NN-Module/Given` is a
  /// symbolic link to it, so both sides hold the same files, file for file, without a copy that
  /// could drift. A chapter without given code has neither.
  func givenCodeProblem(exercise: URL, solution: URL) -> String? {
    let files = FileManager.default
    let given = exercise.appendingPathComponent("Given")
    let link = solution.appendingPathComponent("Given")
    let expected = "../../Exercises/\(exercise.lastPathComponent)/Given"
    let target = try? files.destinationOfSymbolicLink(atPath: link.path)
    guard files.fileExists(atPath: given.path) else {
      return files.fileExists(atPath: link.path) || target != nil
        ? "\(relative(link)) exists, but the chapter has no \(relative(given))" : nil
    }
    if target == expected { return nil }
    return files.fileExists(atPath: link.path)
      ? "\(relative(link)) must be a link to \(expected), not a copy: given code lives in \(relative(given)) only"
      : "\(relative(link)) is missing: make it a link to the given code, ln -s \(expected) \(relative(link))"
  }

  /// A mutant must fail its chapter (a test fails, or the suite crashes, and it compiles), with
  /// the words its header expects and without the test support's type names.
  static func item(_ outcome: Mutants.Outcome) -> Item {
    let result = outcome.result
    let problem: String? =
      switch result.status {
      case _ where outcome.isCaught:
        if let missing = outcome.missingExpectations.first {
          "caught, but no failure says \"\(missing)\": the message no longer names the cause it observed"
        } else if !outcome.typeNamesShown.isEmpty {
          "caught, but its failures name the test support's types (\(outcome.typeNamesShown.joined(separator: ", "))): "
            + "say what was observed instead"
        } else {
          nil
        }
      case .passed: "every test passes this wrong answer: no test enforces the rule it breaks"
      case .timedOut:
        "it hangs the suite until the chapter's deadline: a test must catch it with a deadline of its own"
      case .doesNotCompile: "it does not compile, so it proves nothing: \(result.message ?? "")"
      default: "status \(result.status.rawValue): \(result.message ?? "")"
      }
    return Item(name: "mutant \(outcome.mutant.label) fails its chapter", problem: problem)
  }

  /// Solutions must pass each test; skeletons must fail each test, and end as plain failures (or
  /// with the race a naive skeleton has: an unlocked counter is what chapter 2 starts from).
  private func testItems(_ chapter: ChapterResult, sources: Sources) -> [Item] {
    let label = chapter.id == Chapter.toolingNumber ? chapter.title : "\(sources.folderName)/\(chapter.id)"
    var items: [Item] = []
    let ranCleanly =
      sources == .solutions ? chapter.status == .passed : [.failed, .dataRace].contains(chapter.status)
    if !ranCleanly || chapter.total == 0 {
      let expected = sources == .solutions ? "passed" : "failed (each test, without a crash or a hang)"
      items.append(
        Item(
          name: "\(label) runs",
          problem: "status \(chapter.status.rawValue), expected \(expected)"
            + (chapter.message.map { ": \($0)" } ?? "")))
    }
    for test in chapter.tests {
      let name = "\(label) · \(test.name)"
      if sources == .solutions {
        let why = chapter.failures.first { $0.test == test.name }.map {
          "\($0.file):\($0.line): \($0.message)"
        }
        items.append(
          Item(name: name, problem: test.passed ? nil : "the solution fails: \(why ?? "did not finish")"))
      } else {
        items.append(
          Item(name: name, problem: test.passed ? "the skeleton passes this test: a free point" : nil))
      }
    }
    return items
  }

  /// The file-tree invariants, checked before anything builds.
  func layoutItems() -> [Item] {
    var items: [Item] = []
    let files = FileManager.default
    // A chapter exists through its `Tests/ModuleTests/chapter.json`: a folder without one is never built.
    let known = Set(workbook.chapters.map(\.folder))
    for sources in [Sources.exercises, .solutions] {
      let folder = workbook.root.appendingPathComponent(sources.folderName)
      let strays = ((try? files.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
        !$0.hasPrefix(".") && !known.contains($0)
      }
      items.append(
        Item(
          name: "every folder of \(sources.folderName)/ is a chapter",
          problem: strays.isEmpty
            ? nil : "\(strays.sorted().joined(separator: ", ")) match no Tests/ModuleTests/chapter.json"))
    }
    for chapter in workbook.chapters {
      let exercise = workbook.folder(of: chapter, in: .exercises)
      let solution = workbook.folder(of: chapter, in: .solutions)
      let tests = workbook.root.appendingPathComponent("Tests/\(chapter.testModule)")
      func item(_ name: String, _ problem: String?) {
        items.append(Item(name: "\(chapter.folder) · \(name)", problem: problem))
      }
      for folder in [exercise, solution, tests] {
        item("has \(relative(folder))", files.fileExists(atPath: folder.path) ? nil : "the folder is missing")
      }
      for name in ["README.md", "hints.md"] {
        let path = exercise.appendingPathComponent(name).path
        item(
          "has a \(name)", files.fileExists(atPath: path) ? nil : "\(relative(exercise))/\(name) is missing")
      }
      // The grade counts only the tests named in the suite's source (ExpectedTests): a test
      // without a display name would run and never count.
      let testSources = swiftFiles(in: tests).values
      let declared = testSources.map { $0.matches(of: /@Test\b/).count }.reduce(0, +)
      let named = testSources.map { ExpectedTests.names(inSource: $0).count }.reduce(0, +)
      item(
        "names every test with a display name",
        declared == named
          ? nil : "\(declared - named) of \(declared) @Test attributes have no @Test(\"…\") name")
      item("keeps its given code in one copy", givenCodeProblem(exercise: exercise, solution: solution))
      let exerciseFiles = swiftFiles(in: exercise)
      let solutionFiles = swiftFiles(in: solution)
      let unmatched = Set(exerciseFiles.keys).symmetricDifference(solutionFiles.keys).sorted()
      item(
        "Exercises and Solutions mirror file for file",
        unmatched.isEmpty ? nil : "only on one side: \(unmatched.joined(separator: ", "))")
      let todo = exerciseFiles.values.contains { $0.contains("// TODO:") }
      item("has a // TODO: for the student", todo ? nil : "no exercise file has a // TODO: marker")
      let mutantsFolder = Mutants(workbook: workbook).folder.appendingPathComponent(chapter.folder)
      let notPatches = ((try? files.contentsOfDirectory(atPath: mutantsFolder.path)) ?? []).filter {
        !$0.hasPrefix(".") && !$0.hasSuffix(".patch")
      }
      if !notPatches.isEmpty {
        item(
          "Tests/Mutants/\(chapter.folder) holds only patches",
          "\(notPatches.sorted().joined(separator: ", ")): a mutant is a NAME.patch to the solution")
      }
      for mutant in Mutants(workbook: workbook).all() where mutant.chapter == chapter {
        let text = (try? String(contentsOf: mutant.patch, encoding: .utf8)) ?? ""
        let explained = text.hasPrefix("// Mutant: ") || text.hasPrefix(Mutants.raceMarker)
        let problem: String?
        do { problem = try Mutants.apply(mutant, to: solution, dryRun: true) } catch { problem = "\(error)" }
        item(
          "mutant \(mutant.name) applies to the solution and says what it breaks",
          !explained
            ? "\(relative(mutant.patch)) must begin with \"// Mutant: \" and the rule it breaks"
            : problem.map { "\(relative(mutant.patch)) no longer applies to \(relative(solution)): \($0)" })
      }
      let traps = exerciseFiles.filter { $0.value.contains("fatalError(") }.keys.sorted()
      item(
        "never calls fatalError in an exercise",
        traps.isEmpty ? nil : "\(traps.joined(separator: ", ")): one trap ends every test in the process")
      for (name, text) in exerciseFiles.sorted(by: { $0.key < $1.key }) {
        guard let solved = solutionFiles[name] else { continue }
        let missing = publicDeclarations(in: text).symmetricDifference(publicDeclarations(in: solved))
          .sorted()
        item(
          "\(name) declares the same public API in both",
          missing.isEmpty ? nil : "declared on one side only: \(missing.joined(separator: " | "))")
      }
    }
    return items + demoItems()
  }

  /// The folder of the course's demos, which the student edition ships.
  static let demosFolder = "Sources/Demos"

  /// Every demo gives no solution away: it shares no run of `SharedCode.minimumRun` alike code
  /// lines with any solution file (a solution's given code, which students have, aside).
  func demoItems() -> [Item] {
    let demos = workbook.root.appendingPathComponent(Self.demosFolder)
    var solutions: [(path: String, lines: [SharedCode.Line])] = []
    for chapter in workbook.chapters {
      let folder = workbook.folder(of: chapter, in: .solutions)
      for (name, text) in swiftFiles(in: folder).sorted(by: { $0.key < $1.key }) {
        solutions.append(("\(relative(folder))/\(name)", SharedCode.lines(of: text)))
      }
    }
    return swiftFiles(in: demos).sorted { $0.key < $1.key }.map { name, text in
      let demo = SharedCode.lines(of: text)
      let copies = solutions.compactMap { solution in
        SharedCode.longestRun(demo, solution.lines).flatMap { run in
          run.length >= SharedCode.minimumRun ? (solution.path, run) : nil
        }
      }
      let problem = copies.max { $0.1.length < $1.1.length }.map { path, run in
        "\(run.length) code lines in a row from line \(run.firstLine) are \(path)'s from line "
          + "\(run.otherFirstLine), alike but for names and literals: a demo shows the guide's example "
          + "(or its race) and points at the exercise, it never carries the answer"
      }
      return Item(name: "\(Self.demosFolder)/\(name) gives no solution away", problem: problem)
    }
  }

  private func swiftFiles(in folder: URL) -> [String: String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    var files: [String: String] = [:]
    for name in names where name.hasSuffix(".swift") {
      files[name] = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }
    return files
  }

  private func relative(_ url: URL) -> String {
    String(url.path.dropFirst(workbook.root.path.count + 1))
  }
}

/// The public declarations of a Swift file, as signatures without bodies or conformances.
///
/// A skeleton's class may be `@unchecked Sendable` where the solution's is plainly `Sendable`;
/// what must match is what a test can call.
func publicDeclarations(in source: String) -> Set<String> {
  var declarations = Set<String>()
  var pending: String?
  for rawLine in source.split(separator: "\n") {
    let line = rawLine.trimmingCharacters(in: .whitespaces)
    guard let text = pending.map({ $0 + " " + line }) ?? (isPublic(line) ? line : nil) else { continue }
    // A signature wrapped over several lines ends where its parentheses balance.
    let open = text.filter { $0 == "(" }.count - text.filter { $0 == ")" }.count
    if open > 0 && !text.contains("{") {
      pending = text
      continue
    }
    pending = nil
    declarations.insert(signature(of: text))
  }
  return declarations
}

private func isPublic(_ line: String) -> Bool {
  line.hasPrefix("public ") || line.hasPrefix("open ")
}

private func signature(of declaration: String) -> String {
  var text = String(declaration.prefix { $0 != "{" })
  if let equals = text.range(of: " = ") { text = String(text[..<equals.lowerBound]) }
  let typeKeywords = ["class ", "struct ", "enum ", "actor ", "protocol ", "extension "]
  if typeKeywords.contains(where: { text.contains($0) }), let colon = text.firstIndex(of: ":") {
    text = String(text[..<colon])
  }
  return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    .replacingOccurrences(of: "( ", with: "(").replacingOccurrences(of: " )", with: ")")
}
