import Testing

@testable import GraderKit

@Suite("Grader · command line")
struct CommandTests {
  @Test("no arguments grades every chapter of the exercises as text")
  func defaults() throws {
    let command = try Command(arguments: [])
    #expect(command.action == .grade(chapter: nil))
    #expect(command.sources == .exercises)
    #expect(command.format == .text)
  }

  @Test("a chapter, --solutions, --format json, --timeout, --jobs and --seed are read")
  func options() throws {
    let command = try Command(
      arguments: ["02", "--solutions", "--format", "json", "--timeout", "30", "--jobs", "1", "--seed", "42"])
    #expect(command.action == .grade(chapter: "02"))
    #expect(command.sources == .solutions)
    #expect(command.format == .json)
    #expect(command.timeout == .seconds(30))
    #expect(command.jobs == 1)
    #expect(command.seed == 42)
  }

  @Test("check and --help are commands")
  func commands() throws {
    #expect(try Command(arguments: ["check"]).action == .check)
    #expect(try Command(arguments: ["--help"]).action == .help)
    #expect(try Command(arguments: ["-h"]).action == .help)
    #expect(try Command(arguments: ["hint", "--help"]).action == .help)
    #expect(try Command(arguments: ["--bogus", "-h"]).action == .help)
  }

  @Test(
    "bad usage is an error with exit code 2 that says what is wrong",
    arguments: [
      (["--bogus"], "Unknown option '--bogus'"),
      (["--format", "xml"], "--format takes text or json"),
      (["--timeout", "soon"], "--timeout takes a whole number"),
      (["--jobs", "0"], "--jobs takes a number of 1 or more"),
      (["--seed"], "--seed needs a value"),
      (["01", "02"], "Unexpected argument '02'"),
    ])
  func badUsage(arguments: [String], message: String) {
    #expect {
      try Command(arguments: arguments)
    } throws: { error in
      guard let error = error as? GraderError else { return false }
      return error.exitCode == 2 && error.description.contains(message)
    }
  }
}
