import Foundation

/// Finds exercise code that imports a test library, which the grader refuses to build.
///
/// Code that imports `Testing` runs inside the suite that grades it and could cancel, skip or
/// pass its tests (`Test.cancel()`, a trait, an issue of its own); SwiftPM cannot keep a target
/// from importing a module of the toolchain, so the grader reads the imports itself. Code that
/// reaches the library some other way (`dlsym`) is beyond what reading sources can see: the
/// README's instructor section says where that leaves a grade.
enum TestLibraryUse {
  /// The modules an exercise may not import.
  static let libraries = ["Testing", "XCTest", "_TestingInternals", "_TestDiscovery", "_Testing_Foundation"]

  /// `file.swift:3 imports Testing`, for the first such import in `folder`, if any.
  static func first(in folder: URL, relativeTo root: URL) -> String? {
    let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
    for name in files.sorted() where name.hasSuffix(".swift") {
      let url = folder.appendingPathComponent(name)
      guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
      for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        guard let module = importedModule(in: String(line)), libraries.contains(module) else { continue }
        let path =
          url.path.hasPrefix(root.path + "/") ? String(url.path.dropFirst(root.path.count + 1)) : name
        return "\(path):\(index + 1) imports \(module): exercise code may not use the test library "
          + "(it could cancel or skip the tests that grade it). Remove the import."
      }
    }
    return nil
  }

  /// The module an `import` line brings in: `Testing` for `@testable import struct Testing.Test`.
  static func importedModule(in line: String) -> String? {
    // A regex literal is parsed each time it is evaluated: matching every line of every chapter
    // cost the warm `./grader` half a second, and only a line that says `import` can match.
    guard line.contains("import") else { return nil }
    let pattern =
      /^\s*(?:@[\w]+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([\w]+)/
    return line.firstMatch(of: pattern).map { String($0.1) }
  }
}
