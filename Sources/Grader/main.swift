import Foundation
import GraderKit

// The `grader` script at the top of the workbook builds this program and runs it with
// GRADER_ROOT set to the workbook's folder.
let root = URL(
  fileURLWithPath: ProcessInfo.processInfo.environment["GRADER_ROOT"] ?? FileManager.default.currentDirectoryPath)

func fail(_ error: any Error) -> Never {
  FileHandle.standardError.write(Data("grader: \(error)\n".utf8))
  exit((error as? GraderError)?.exitCode ?? 3)
}

do {
  let command = try Command(arguments: Array(CommandLine.arguments.dropFirst()))
  let workbook = try Workbook(root: root)
  switch command.action {
  case .help:
    print(Command.usage)
  case .grade(let name):
    var grader = Grader(workbook: workbook, sources: command.sources)
    command.configure(&grader)
    let chapters = try name.map { [try workbook.chapter(named: $0)] }
    if let runs = command.repeatCount {
      let flakes = try FlakeAudit(grader: grader, runs: runs, hogsCPUs: command.hogsCPUs)
        .run(chapters ?? workbook.chapters)
      let load = command.hogsCPUs ? ", every core kept busy" : ""
      print("Flake audit of the \(command.sources.rawValue): \(runs) runs\(load).")
      for flake in flakes {
        let seeds = flake.seeds.prefix(5).map(String.init).joined(separator: ", ")
        print("✘ \(flake.chapter) \(flake.test): failed \(flake.failures) of \(runs) runs (seeds \(seeds))")
      }
      print(flakes.isEmpty ? "No test ever failed." : "\(flakes.count) tests failed in some run.")
      exit(flakes.isEmpty ? 0 : 1)
    }
    let grade = try grader.grade(chapters)
    if command.format == .json {
      print(try grade.json(), terminator: "")
    } else {
      let report = Report(workbook: workbook, usesColor: Report.terminalWantsColor, isDetailed: name != nil)
      print(report.render(grade), terminator: "")
    }
    exit(grade.isPassing ? 0 : 1)
  case .check:
    var check = Check(workbook: workbook)
    check.configure = { command.configure(&$0) }
    let items = try check.run()
    let broken = items.filter { !$0.isPassing }
    for item in broken {
      print("✘ \(item.name): \(item.problem ?? "")")
    }
    print(broken.isEmpty ? "Every invariant of the workbook holds." : "\(broken.count) invariants are broken.")
    print("check: \(items.count - broken.count) passed, \(broken.count) failed")
    exit(broken.isEmpty ? 0 : 1)
  }
} catch {
  fail(error)
}
