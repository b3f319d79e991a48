import Foundation

/// How one chapter's Swift Testing suite is started from a test build, the way SwiftPM starts it.
///
/// On Linux the test product `ConcurrencyWorkbookPackageTests.xctest` is itself an executable, and
/// runs its own tests. On macOS it is a bundle that nothing can run: SwiftPM loads it into the
/// toolchain's `swiftpm-testing-helper` (`usr/libexec/swift/pm/`), naming the binary inside the
/// bundle, `….xctest/Contents/MacOS/ConcurrencyWorkbookPackageTests`, with `--test-bundle-path`.
/// (swiftlang/swift-package-manager: `DebugTestRunner.getExecutableAndArgs` and
/// `TestingSupport.getSwiftTestingSuites` in Sources/Commands/Utilities/TestingSupport.swift, and
/// the test product's `Contents/MacOS/` path in `ProductBuildDescription`; swift-testing's own
/// exit tests start it the same way.) Either way the tests run in that one process, so the
/// process group, the deadline and the event stream on descriptor 3 are the same on both.
///
///     ./grader 02 runs, on Linux:
///       .build/debug/ConcurrencyWorkbookPackageTests.xctest --testing-library swift-testing \
///         --filter '^CounterLockingTests\.' --experimental-event-stream-output /dev/fd/3
///     and on macOS:
///       $TOOLCHAIN/usr/libexec/swift/pm/swiftpm-testing-helper \
///         --test-bundle-path .build/debug/ConcurrencyWorkbookPackageTests.xctest/Contents/MacOS/ConcurrencyWorkbookPackageTests \
///         --testing-library swift-testing --filter '^CounterLockingTests\.' \
///         --experimental-event-stream-output /dev/fd/3
public struct TestLauncher: Sendable, Equatable {
  /// The program to start.
  public var executable: String
  /// The arguments before the suite's own: on macOS, the bundle to load.
  public var leadingArguments: [String] = []
  /// What the program needs in its environment besides the grader's: on macOS, where the
  /// toolchain keeps the testing frameworks, as SwiftPM sets it.
  public var environment: [String: String] = [:]

  /// The product's name: the package's name and `PackageTests`.
  static let productName = "ConcurrencyWorkbookPackageTests"

  /// The test product a build writes into `scratchPath`: on macOS the binary inside the bundle.
  static func testBinary(in scratchPath: URL) -> URL {
    let bundle = scratchPath.appendingPathComponent("debug/\(productName).xctest")
    #if os(macOS)
      return bundle.appendingPathComponent("Contents/MacOS/\(productName)")
    #else
      return bundle
    #endif
  }

  /// The arguments that run the suites `filter` selects and write their events to `eventStream`.
  func arguments(filter: String, eventStream: String) -> [String] {
    leadingArguments + [
      "--testing-library", "swift-testing", "--filter", filter,
      "--experimental-event-stream-output", eventStream,
    ]
  }

  /// The launcher of the test binary `testBinary` on this platform; `sanitizesThreads` for a
  /// ThreadSanitizer build, whose runtime the macOS helper must load first.
  static func forTestBinary(_ testBinary: URL, sanitizesThreads: Bool = false) throws -> TestLauncher {
    #if os(macOS)
      let bin = try Toolchain.binFolder()
      let helper = bin.deletingLastPathComponent().appendingPathComponent(
        "libexec/swift/pm/swiftpm-testing-helper")
      guard FileManager.default.isExecutableFile(atPath: helper.path) else {
        throw GraderError.missingFile(
          helper.path,
          remedy: "SwiftPM runs Swift Testing on macOS through it; install Xcode 16 or later, or a Swift 6 "
            + "toolchain from swift.org, and check that `xcrun --find swift-build` finds it.")
      }
      var environment: [String: String] = [:]
      // As SwiftPM's `constructTestEnvironment`: the products folder, then the platform's testing
      // frameworks (Testing.framework), which the helper does not find on its own.
      var frameworks: [String] = []
      var libraries = [testBinary.deletingLastPathComponent().path]
      if let platform = Toolchain.macOSPlatformFolder() {
        frameworks.append(platform.appendingPathComponent("Developer/Library/Frameworks").path)
        libraries.append(platform.appendingPathComponent("Developer/usr/lib").path)
      }
      environment["DYLD_LIBRARY_PATH"] = libraries.joined(separator: ":")
      if !frameworks.isEmpty { environment["DYLD_FRAMEWORK_PATH"] = frameworks.joined(separator: ":") }
      if sanitizesThreads {
        // The helper is not built with TSan, so the runtime must be in the process before the bundle.
        let runtime = bin.deletingLastPathComponent().appendingPathComponent(
          "lib/swift/clang/lib/darwin/libclang_rt.tsan_osx_dynamic.dylib")
        environment["DYLD_INSERT_LIBRARIES"] = runtime.path
      }
      return TestLauncher(
        executable: helper.path, leadingArguments: ["--test-bundle-path", testBinary.path],
        environment: environment)
    #else
      return TestLauncher(executable: testBinary.path)
    #endif
  }
}

#if os(macOS)
  /// Where the Swift toolchain in use lives, as `xcrun` finds it (it honours `TOOLCHAINS`).
  enum Toolchain {
    /// The toolchain's `usr/bin`: `/usr/bin/swift` is a shim, so ask `xcrun` where `swift-build` is.
    static func binFolder() throws -> URL {
      let found = try? Subprocess(executable: "xcrun", arguments: ["--find", "swift-build"]).run()
      guard let found, found.termination == .exited(0),
        let path = found.output.split(separator: "\n").last.map(String.init), path.hasPrefix("/")
      else {
        throw GraderError.operationFailed(
          "xcrun --find swift-build (to find the toolchain's swiftpm-testing-helper)",
          output: found?.output ?? "")
      }
      return URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// `…/Platforms/MacOSX.platform`, which holds Testing.framework since Xcode 16; nil without Xcode.
    static func macOSPlatformFolder() -> URL? {
      let found = try? Subprocess(
        executable: "xcrun", arguments: ["--sdk", "macosx", "--show-sdk-platform-path"]
      ).run()
      guard let found, found.termination == .exited(0),
        let path = found.output.split(separator: "\n").last.map(String.init), path.hasPrefix("/")
      else { return nil }
      return URL(fileURLWithPath: path)
    }
  }
#endif
