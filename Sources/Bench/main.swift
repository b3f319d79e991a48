// `bench`: builds the workbook's benchmarks against the reference solutions, then runs them.
//
//     $ swift run -c release bench [--runs 5] [--no-python] [--only gil,processes,fetch,counter] [--output DIR]
//
// The benchmarks measure the solutions' code (chapter 8's `mapChunks`, chapter 9's `ProcessPool`,
// chapter 6's pooled fetch, chapter 2's `Counter`), and a chapter builds from `Solutions/` only
// when `WORKBOOK_SOLUTIONS=all` is set while SwiftPM reads `Package.swift`. So this launcher
// builds the `benchmarks` product with that setting, in a scratch folder of its own
// (`.build-bench`, so your own build in `.build` keeps using your exercises), and runs it with
// every argument you gave. `benchmarks --help` lists them.
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes `message` to standard error and exits with `status`.
func fail(_ message: String, status: Int32 = 1) -> Never {
  FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
  exit(status)
}

/// The workbook's root: the folder of `Package.swift`, found from this source file, then from the
/// current directory.
func packageRoot() -> URL {
  let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  let candidates = [fromSource, URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
  guard
    let root = candidates.first(where: {
      FileManager.default.fileExists(atPath: $0.appendingPathComponent("Package.swift").path)
    })
  else { fail("cannot find the workbook's Package.swift; run bench from the workbook's folder") }
  return root
}

let root = packageRoot()
let scratch = root.appendingPathComponent(".build-bench")
var environment = ProcessInfo.processInfo.environment
environment["WORKBOOK_SOLUTIONS"] = "all"
environment["WORKBOOK_BENCH"] = "1"
// Every chapter the benchmarks measure must be in the build, whatever the caller's shell says.
environment["WORKBOOK_EXCLUDE"] = nil

FileHandle.standardError.write(
  Data("bench: building the benchmarks against Solutions/ (release, .build-bench)…\n".utf8))
let build = Process()
build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
build.arguments = [
  "swift", "build", "-c", "release", "--package-path", root.path, "--scratch-path", scratch.path,
  "--product", "benchmarks",
]
build.environment = environment
do {
  try build.run()
} catch {
  fail("cannot start swift build: \(error)")
}
build.waitUntilExit()
guard build.terminationReason == .exit, build.terminationStatus == 0 else {
  fail("the benchmarks do not build (see above); `./grader --solutions` shows which chapter is broken")
}

// `exec` hands this process over to the benchmarks: Ctrl-C and the exit status go straight to them.
let benchmarks = scratch.appendingPathComponent("release/benchmarks").path
let arguments = [benchmarks, "--root", root.path] + CommandLine.arguments.dropFirst()
let argv = arguments.map { strdup($0) } + [nil]
execv(benchmarks, argv)
fail("cannot run \(benchmarks): \(String(cString: strerror(errno)))")
