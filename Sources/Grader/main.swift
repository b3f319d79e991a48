import Foundation
import GraderKit

// The `grader` script at the top of the workbook builds this program and runs it with
// GRADER_ROOT set to the workbook's folder. Everything it does is in GraderKit.
let root = URL(
  fileURLWithPath: ProcessInfo.processInfo.environment["GRADER_ROOT"]
    ?? FileManager.default.currentDirectoryPath)

do {
  let command = try Command(arguments: Array(CommandLine.arguments.dropFirst()))
  ChildProcesses.killAllOnInterrupt()
  ChildProcesses.adoptOrphans()
  // Help needs no workbook: it works from anywhere.
  if command == .help {
    print(Command.usage(in: root))
    exit(0)
  }
  let status = try CommandRunner(command: command, workbook: Workbook(root: root)).run()
  ChildProcesses.waitIfStopping()
  exit(status)
} catch {
  ChildProcesses.waitIfStopping()
  FileHandle.standardError.write(Data("grader: \(error)\n".utf8))
  exit((error as? GraderError)?.exitCode ?? 3)
}
