import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Copies a student's Swift files out of a submission, reading nothing outside it.
///
/// A hand-in is untrusted: a link to `/etc/passwd` or to another student's folder would put
/// someone else's file in the build, and a FIFO named `X.swift` would hang the compiler that
/// opens it. Each entry is looked at with `lstat` before anything opens it: regular `.swift`
/// files are copied, links are followed only when they resolve inside the submission, and any
/// other kind of file is refused.
struct SealedCopy {
  /// Why a chapter's files were not taken: the file and what is wrong with it.
  struct Refusal: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String {
      "refused \(path): \(reason). Hand in plain .swift files inside your own folder."
    }
  }

  /// The submission's real path: every file taken must resolve under it.
  let root: String

  init(root: URL) {
    self.root = Self.realPath(root.path) ?? root.path
  }

  /// Copies every `.swift` file below `source` (links resolved) to the same place below `destination`.
  func copySwiftFiles(of source: URL, to destination: URL, skipping skipped: Set<String> = []) throws {
    try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
    try copyFolder(source.path, to: destination.path, skipping: skipped, depth: 0)
  }

  private func copyFolder(_ folder: String, to destination: String, skipping skipped: Set<String>, depth: Int)
    throws
  {
    guard depth < 8 else { throw Refusal(path: shown(folder), reason: "its folders nest too deep") }
    let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    for name in names where !skipped.contains(name) && !name.hasPrefix(".") {
      let path = folder + "/" + name
      var info = stat()
      guard lstat(path, &info) == 0 else { continue }
      var kind = info.st_mode & S_IFMT
      var target = path
      if kind == S_IFLNK {
        // A link counts only if it resolves inside the submission, and then as what it points at.
        guard let resolved = Self.realPath(path), resolved == root || resolved.hasPrefix(root + "/") else {
          throw Refusal(path: shown(path), reason: "it is a link that leads outside the submission")
        }
        guard stat(resolved, &info) == 0 else { continue }
        kind = info.st_mode & S_IFMT
        target = resolved
      }
      switch kind {
      case S_IFDIR:
        let subfolder = destination + "/" + name
        try FileManager.default.createDirectory(atPath: subfolder, withIntermediateDirectories: true)
        try copyFolder(target, to: subfolder, skipping: [], depth: depth + 1)
      case S_IFREG:
        guard name.hasSuffix(".swift") else { continue }
        guard info.st_size <= 1 << 20 else {
          throw Refusal(path: shown(path), reason: "it is larger than 1 MiB")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: target))
        try data.write(to: URL(fileURLWithPath: destination + "/" + name))
      default:
        // A FIFO, a socket or a device: opening it could block, or read the machine.
        throw Refusal(path: shown(path), reason: "it is not a regular file (a FIFO, socket or device)")
      }
    }
  }

  private func shown(_ path: String) -> String {
    path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
  }

  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
