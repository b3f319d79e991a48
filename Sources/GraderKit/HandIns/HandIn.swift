import Foundation

/// One student's hand-in as it reaches the instructor: a folder, or a `.zip` as an LMS's bulk
/// download gives it.
public struct HandIn: Sendable, Equatable {
  /// The student's id in every grade and export: the folder's name, or the zip's without `.zip`.
  public let id: String
  public let url: URL
  public var isZip: Bool { url.pathExtension.lowercased() == "zip" }

  /// A hand-in given on the command line (`--submission DIR` or `--submission x.zip`).
  public init(_ url: URL) throws {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder),
      isFolder.boolValue || url.pathExtension.lowercased() == "zip"
    else {
      throw GraderError.missingFolder(url.path)
    }
    self.init(url: url.standardizedFileURL, id: nil)
  }

  private init(url: URL, id: String?) {
    self.url = url
    self.id =
      id ?? (url.pathExtension.lowercased() == "zip" ? url.deletingPathExtension() : url).lastPathComponent
  }

  /// The hand-ins in `folder`, a subfolder or a `.zip` each, by id; other files are not hand-ins.
  ///
  /// A zip whose id a folder already has keeps its `.zip` in its id, so no two rows share one.
  public static func all(in folder: URL) throws -> [HandIn] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue
    else {
      throw GraderError.missingFolder(folder.path)
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { !$0.hasPrefix(".") && $0 != "__MACOSX" }.sorted()
    var folders: [HandIn] = []
    var zips: [HandIn] = []
    for name in names {
      let url = folder.appendingPathComponent(name)
      var isSubfolder: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isSubfolder)
      if isSubfolder.boolValue {
        folders.append(HandIn(url: url, id: name))
      } else if url.pathExtension.lowercased() == "zip" {
        zips.append(HandIn(url: url, id: nil))
      }
    }
    let taken = Set(folders.map(\.id))
    zips = zips.map { taken.contains($0.id) ? HandIn(url: $0.url, id: $0.url.lastPathComponent) : $0 }
    return (folders + zips).sorted { $0.id < $1.id }
  }

  /// The hand-in as a folder to grade: itself, or the zip unpacked into `scratch` (emptied first).
  ///
  /// Throws `Refusal` for a zip that cannot be unpacked or that holds an entry outside itself.
  func open(unpacker: Unpacker?, scratch: URL) throws -> Submission {
    guard isZip else { return try Submission(folder: url, student: id) }
    guard let unpacker else { throw Unpacker.missing }
    try? FileManager.default.removeItem(at: scratch)
    try GraderError.whenFailing("creating \(scratch.path)") {
      try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }
    try unpacker.unpack(url, into: scratch)
    return try Submission(folder: scratch, student: id)
  }

  /// Why a hand-in was not graded at all: every chapter is `refused`, with this reason.
  public struct Refusal: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
  }
}

/// The program that unpacks zipped hand-ins, found once, before the batch starts: `unzip`.
///
/// Every entry's name is listed and checked first: a name with a `..` component or an absolute
/// path is refused before anything is written. Once unpacked, a link that leads outside the
/// unpacked folder is refused too, before anything reads through it (`unzip` makes links last,
/// after every file, so no entry is written through one).
struct Unpacker: Sendable {
  let executable: String

  /// The error of a batch that holds a zip on a machine with nothing to unpack it (exit code 3).
  static let missing = GraderError.missingFile(
    "unzip", remedy: "A hand-in is a .zip and this machine has no unzip: install it (apt-get install unzip).")

  /// `unzip` on the `PATH`, if there is one.
  static func find() -> Unpacker? {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    return folders.map { "\($0)/unzip" }.first { FileManager.default.isExecutableFile(atPath: $0) }
      .map(Unpacker.init)
  }

  /// The largest unpacked hand-in taken: a workbook's exercises are well under a megabyte.
  static let sizeLimit = 64 << 20

  /// The entries' names, as the zip lists them.
  func entries(of zip: URL) throws -> [String] {
    let outcome = try Subprocess(
      executable: executable, arguments: ["-Z1", zip.path], deadline: .seconds(60)
    ).run()
    guard outcome.termination == .exited(0) else {
      throw HandIn.Refusal(reason: "the zip cannot be read: \(Self.firstLine(of: outcome.output))")
    }
    return outcome.output.split(separator: "\n").map(String.init)
  }

  /// Unpacks `zip` into `folder`, refusing it if an entry would land outside the folder.
  func unpack(_ zip: URL, into folder: URL) throws {
    let names = try entries(of: zip)
    if let bad = names.first(where: Self.leavesFolder) {
      throw HandIn.Refusal(reason: "the zip holds \(bad), which leads outside the folder it unpacks into")
    }
    let size = try uncompressedSize(of: zip)
    guard size <= Self.sizeLimit else {
      throw HandIn.Refusal(
        reason: "the zip unpacks to \(size >> 20) MiB, more than \(Self.sizeLimit >> 20) MiB")
    }
    let outcome = try Subprocess(
      executable: executable, arguments: ["-qq", "-o", zip.path, "-d", folder.path], deadline: .seconds(120)
    ).run()
    guard outcome.termination == .exited(0) || outcome.termination == .exited(1) else {
      throw HandIn.Refusal(reason: "the zip cannot be unpacked: \(Self.firstLine(of: outcome.output))")
    }
    if let link = Self.firstLinkLeaving(folder) {
      throw HandIn.Refusal(reason: "the zip holds \(link), a link that leads outside the hand-in")
    }
  }

  /// The total size of the entries, from `unzip -Zt`'s last line: `3 files, 1234 bytes uncompressed, …`.
  private func uncompressedSize(of zip: URL) throws -> Int {
    let outcome = try Subprocess(
      executable: executable, arguments: ["-Zt", zip.path], deadline: .seconds(60)
    ).run()
    guard let match = outcome.output.firstMatch(of: /(\d+) bytes uncompressed/), let size = Int(match.1)
    else {
      return 0
    }
    return size
  }

  /// Whether an entry's name is absolute or climbs out with `..` (either slash counts).
  static func leavesFolder(_ name: String) -> Bool {
    let parts = name.split(whereSeparator: { $0 == "/" || $0 == "\\" })
    return name.hasPrefix("/") || name.hasPrefix("\\") || name.firstMatch(of: /^[A-Za-z]:/) != nil
      || parts.contains("..")
  }

  /// The first link below `folder` that resolves outside it, relative to `folder`.
  ///
  /// Links are looked at, never followed: a link to `/` must not walk the machine.
  static func firstLinkLeaving(_ folder: URL) -> String? {
    let root = SealedCopy.realPath(folder.path) ?? folder.path
    func walk(_ relative: String, depth: Int) -> String? {
      let folder = relative.isEmpty ? root : root + "/" + relative
      guard depth < 16, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
        return nil
      }
      for name in names.sorted() {
        let path = relative.isEmpty ? name : relative + "/" + name
        let full = root + "/" + path
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full) {
          // Where the link leads, by its text: a link to nothing yet is judged as one to something.
          let lexical = URL(fileURLWithPath: target, relativeTo: URL(fileURLWithPath: folder + "/"))
            .standardizedFileURL.path
          let resolved = SealedCopy.realPath(full) ?? lexical
          for place in [lexical, resolved] where place != root && !place.hasPrefix(root + "/") {
            return path
          }
          continue
        }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), isFolder.boolValue,
          let found = walk(path, depth: depth + 1)
        {
          return found
        }
      }
      return nil
    }
    return walk("", depth: 0)
  }

  private static func firstLine(of output: String) -> String {
    output.split(separator: "\n").first.map(String.init) ?? "no reason given"
  }
}
