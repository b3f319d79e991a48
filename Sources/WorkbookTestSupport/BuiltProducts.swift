import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The executables SwiftPM built alongside the tests, found wherever the build folder is.
///
/// SwiftPM puts every product of a build in one folder (`.build/debug`, or the `debug` folder under a
/// custom `--scratch-path`), the test bundle included. Tests find an executable product, such as a
/// worker to start as a child process, next to the test bundle they are running from.
///
///     let worker = BuiltProducts.executable(named: "sum-worker")
public enum BuiltProducts {
  /// The folder that holds the running test bundle and every executable product of the same build.
  public static let directory: URL = {
    let binary = runningBinary().resolvingSymlinksInPath()
    // On macOS the tests run from inside `Name.xctest/Contents/MacOS/`; the products sit beside
    // the bundle. On Linux the `.xctest` is itself the executable, in the products folder.
    var folder = binary.deletingLastPathComponent()
    var candidate = binary
    while candidate.pathComponents.count > 1 {
      if candidate.pathExtension == "xctest" {
        folder = candidate.deletingLastPathComponent()
        break
      }
      candidate = candidate.deletingLastPathComponent()
    }
    return folder
  }()

  /// The executable product `name` (as in `Package.swift`'s `products:`) of the build under test.
  public static func executable(named name: String) -> URL {
    directory.appendingPathComponent(name)
  }

  /// The file this code was loaded from: the test executable, or the binary inside the test bundle.
  private static func runningBinary() -> URL {
    #if os(Linux)
      if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        return URL(fileURLWithPath: path)
      }
    #else
      var info = Dl_info()
      if dladdr(#dsohandle, &info) != 0, let name = info.dli_fname {
        return URL(fileURLWithPath: String(cString: name))
      }
    #endif
    return Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
  }
}
