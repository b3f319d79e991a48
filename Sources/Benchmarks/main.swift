// `benchmarks`: the guide's timing experiments, with the reference solutions and, where `python3`
// is present, with the repository's Python scripts, side by side. Run it through the launcher,
// which builds it against `Solutions/`:
//
//     $ swift run -c release bench
//
// It prints a table, and writes it as `results.json`, `results.md` and `chart.svg` to
// `.build/bench/` (or `--output DIR`).
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let usage = """
  USAGE: swift run -c release bench [--runs N] [--python-runs N] [--no-python]
                                    [--only EXPERIMENTS] [--output DIR]

  Runs the guide's timing experiments with the workbook's reference solutions and, where python3
  is present, with the Python scripts in Benchmarks/python, and prints them side by side.

  OPTIONS:
    --runs N            Timed runs of each Swift variant; short ones run more. (default: 5)
    --python-runs N     Timed runs of each Python variant. (default: 3)
    --no-python         Measure Swift only.
    --only EXPERIMENTS  A comma-separated subset of: gil, chunks, processes, fetch, counter.
    --output DIR        Where to write results.json, results.md and chart.svg. (default: .build/bench)
    -h, --help          Show this help.
  """

let experimentNames = ["gil", "chunks", "processes", "fetch", "counter"]

/// Prints `message` and the usage to standard error and exits with the usage error status.
func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("error: \(message)\n\n\(usage)\n".utf8))
  exit(64)
}

struct Options {
  var root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
  var runs = 5
  var pythonRuns = 3
  var usesPython = true
  var experiments = experimentNames
  var output: URL?

  init(_ arguments: [String]) {
    var remaining = arguments[...]
    func value(of option: String) -> String {
      guard let value = remaining.popFirst() else { fail("\(option) needs a value") }
      return value
    }
    func count(of option: String) -> Int {
      let text = value(of: option)
      guard let number = Int(text), number >= 1 else {
        fail("\(option) takes a number of 1 or more, not \(text)")
      }
      return number
    }
    while let argument = remaining.popFirst() {
      switch argument {
      case "-h", "--help":
        print(usage)
        exit(0)
      case "--root": root = URL(fileURLWithPath: value(of: argument))
      case "--runs": runs = count(of: argument)
      case "--python-runs": pythonRuns = count(of: argument)
      case "--no-python": usesPython = false
      case "--output": output = URL(fileURLWithPath: value(of: argument))
      case "--only":
        experiments = value(of: argument).split(separator: ",").map(String.init)
        for name in experiments where !experimentNames.contains(name) {
          fail("no experiment '\(name)': choose from \(experimentNames.joined(separator: ", "))")
        }
      default: fail("unknown argument \(argument)")
      }
    }
  }
}

/// The one-minute load average: above about 1.5 on two cores, others' work skews the figures.
func loadAverage() -> Double? {
  var loads = [Double](repeating: 0, count: 3)
  return getloadavg(&loads, 3) >= 1 ? loads[0] : nil
}

/// The CPU's model name, from `/proc/cpuinfo` on Linux or `sysctl` on macOS.
func cpuModel() -> String {
  if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
    let name = line.split(separator: ":", maxSplits: 1).last
  {
    return name.trimmingCharacters(in: .whitespaces)
  }
  return (try? runCommand(["sysctl", "-n", "machdep.cpu.brand_string"]))?
    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown CPU"
}

/// The Swift compiler's version, like `6.3.1`.
func swiftVersion() -> String {
  let text = (try? runCommand(["swift", "--version"])) ?? ""
  return text.firstMatch(of: /Swift version (\S+)/).map { String($0.1) } ?? "6"
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let python =
  options.usesPython ? Python(scripts: options.root.appendingPathComponent("Benchmarks/python")) : nil
if options.usesPython && python == nil {
  FileHandle.standardError.write(Data("python3 not found: measuring Swift only.\n".utf8))
}
let settings = Settings(runs: options.runs, pythonRuns: options.pythonRuns, python: python)
let loadBefore = loadAverage()
if let loadBefore, loadBefore > 1.5 {
  FileHandle.standardError.write(
    Data(
      String(
        format: "warning: load average %.2f: other work is running, so the figures will be noisy.\n",
        loadBefore
      ).utf8))
}

var rows: [Row] = []
FileHandle.standardError.write(Data("Measuring (medians of \(options.runs)+ runs)…\n".utf8))
do {
  for experiment in options.experiments {
    switch experiment {
    case "gil": rows += try gilExperiment(settings)
    case "chunks": rows += try chunksExperiment(settings)
    case "processes": rows += try await processesExperiment(settings)
    case "fetch": rows += try fetchExperiment(settings)
    default: rows += try counterExperiment(settings)
    }
  }
} catch {
  FileHandle.standardError.write(Data("benchmarks failed: \(error)\n".utf8))
  exit(1)
}

let machine = Machine(
  cores: ProcessInfo.processInfo.activeProcessorCount, cpu: cpuModel(), swift: swiftVersion(),
  python: python?.version, loadAverageBefore: loadBefore, loadAverageAfter: loadAverage(),
  date: ISO8601DateFormatter().string(from: Date()))
let results = Results(
  machine: machine, runs: options.runs, pythonRuns: options.pythonRuns, rows: rows.map(\.withDerivedFigures))

print()
print(
  "\(machine.cores) cores, \(machine.cpu); Swift \(machine.swift), Python \(machine.python ?? "not measured")"
    + (loadBefore.map { String(format: "; load average %.2f", $0) } ?? ""))
print()
print(textTable(results))

let output = options.output ?? options.root.appendingPathComponent(".build/bench")
do {
  try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
  try encoder.encode(results).write(to: output.appendingPathComponent("results.json"))
  try Data((markdownTable(results) + "\n").utf8).write(to: output.appendingPathComponent("results.md"))
  try Data(svgChart(results).utf8).write(to: output.appendingPathComponent("chart.svg"))
  print()
  print("Wrote results.json, results.md and chart.svg to \(output.path)")
} catch {
  FileHandle.standardError.write(Data("cannot write the results to \(output.path): \(error)\n".utf8))
  exit(1)
}
