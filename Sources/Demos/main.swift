// `demos`: runs the Swift version of the guide's examples, one chapter at a time.
//
//     $ swift run demos 01
//     Worker Thread-0 started
//     …
//     $ swift run demos --list
//
// Each demo is the course's own short illustration, independent of your exercises: it builds and
// runs whatever state `Exercises/` is in. The fetching demos talk to a fixture server on
// 127.0.0.1 that they start themselves; chapter 9's starts `sum-worker`, built next to `demos`.
import Foundation
import WorkbookCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let demos: [Demo] = [
  .threads, .counterLocking, .raceConditions, .threadLocalIDs, .concurrentScraper,
  .threadPools, .taskGroups, .parallelCPU, .processPool, .capstone,
]

let usage = """
  USAGE: demos <chapter>… | all | --list  [--trace [FOLDER]]

  Runs the Swift version of a chapter's example from the guide and prints what it prints.

    swift run demos 02          the counter with and without its lock
    swift run demos 5 6 7       several chapters, in order
    swift run demos all         every chapter
    swift run demos --list      what each demo shows
    swift run demos 02 --trace  also write the run's timeline: Trace Event Format JSON (open it in
                                ui.perfetto.dev) and an SVG, in .grader/traces/demos/ or FOLDER

  Build in release mode (swift run -c release demos 08) to see compiled-code speed.
  """

/// Prints `message` and the usage to standard error and exits with the usage error status.
func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("error: \(message)\n\n\(usage)\n".utf8))
  exit(64)
}

var arguments = Array(CommandLine.arguments.dropFirst())
/// Where `--trace` writes each demo's timeline; `nil` records none.
var tracesFolder: URL?
if let flag = arguments.firstIndex(of: "--trace") {
  arguments.remove(at: flag)
  var path = ".grader/traces/demos"
  if flag < arguments.count, Int(arguments[flag]) == nil, arguments[flag] != "all" {
    path = arguments.remove(at: flag)
  }
  tracesFolder = URL(fileURLWithPath: path, isDirectory: true)
}
if arguments.isEmpty || arguments.contains("-h") || arguments.contains("--help") {
  print(usage)
  print()
  for demo in demos { print(demo.listing) }
  exit(arguments.isEmpty ? 64 : 0)
}
if arguments == ["--list"] {
  for demo in demos { print(demo.listing) }
  exit(0)
}

var chosen: [Demo] = []
for argument in arguments {
  if argument == "all" {
    chosen += demos
  } else if let number = Int(argument), let demo = demos.first(where: { Int($0.number) == number }) {
    chosen.append(demo)
  } else {
    fail("no demo '\(argument)': give a chapter number from 01 to \(demos.count), all, or --list")
  }
}

for (index, demo) in chosen.enumerated() {
  if index > 0 { print() }
  print("━━ Chapter \(demo.number) · \(demo.title) ━━")
  do {
    if let tracesFolder {
      // A demo's events: a hundred times a test's, to keep a whole run of the guide's example.
      let recorder = TraceRecorder(title: "Chapter \(demo.number) · \(demo.title)", capacity: 100_000)
      try await TraceRecorder.$current.withValue(recorder) { try await demo.run() }
      let name = demo.number
      try FileManager.default.createDirectory(at: tracesFolder, withIntermediateDirectories: true)
      try TraceEventFormat.json(recorder.trace).write(to: tracesFolder.appendingPathComponent(name + ".json"))
      try Data(TimelineSVG.render(recorder.trace, caption: demo.summary).utf8)
        .write(to: tracesFolder.appendingPathComponent(name + ".svg"))
      print("Timeline: \(tracesFolder.path)/\(name).json and .svg")
    } else {
      try await demo.run()
    }
  } catch {
    FileHandle.standardError.write(Data("demo \(demo.number) failed: \(error)\n".utf8))
    exit(1)
  }
}
