import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

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
  /// Throws `Refusal`, with `scratch` removed, for a zip that cannot be unpacked, holds an entry
  /// outside itself or unpacks to more than `Unpacker.sizeLimit`.
  func open(unpacker: Unpacker?, scratch: URL) throws -> Submission {
    guard isZip else { return try Submission(folder: url, student: id) }
    guard let unpacker else { throw Unpacker.missing }
    try? FileManager.default.removeItem(at: scratch)
    try GraderError.whenFailing("creating \(scratch.path)") {
      try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }
    do {
      try unpacker.unpack(url, into: scratch)
    } catch {
      // A refused zip leaves nothing of itself behind.
      try? FileManager.default.removeItem(at: scratch)
      throw error
    }
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
/// Nothing in a zip's headers is trusted. Every entry's name is listed and checked first: a name
/// with a `..` component or an absolute path refuses the zip before anything is written. Then the
/// grader writes each entry itself, from `unzip -p` through a pipe, counting the bytes as they
/// come: the hand-in stops at `sizeLimit` whatever sizes the headers claim, and a refused zip
/// leaves nothing behind. Only what a grade reads is written (`.swift` files, and links, made
/// last, after every file, so nothing is written through one); a link that leads outside the
/// unpacked folder is refused before anything reads through it.
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

  /// The most bytes a hand-in may unpack to: a workbook's exercises are well under a megabyte.
  static let sizeLimit = 64 << 20
  /// The longest target a link entry may name.
  static let linkLimit = 4096

  /// One entry of a zip, as its central directory lists it.
  struct Entry: Equatable {
    enum Kind { case folder, file, link }
    var name: String
    var kind: Kind
  }

  /// The entries' names and kinds, from `unzip -Z1` (the names) and `unzip -Z` (the modes).
  func entries(of zip: URL) throws -> [Entry] {
    let names = try list(["-Z1", zip.path]).split(separator: "\n", omittingEmptySubsequences: false)
      .map(String.init).filter { !$0.isEmpty }
    // Each line of the long listing ends with its entry's name, after the mode and seven fields.
    let lines = try list(["-Z", zip.path]).split(separator: "\n").map(String.init)
      .filter { $0.firstMatch(of: #/^\S{7,10}\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+ /#) != nil }
    guard lines.count == names.count, Swift.zip(lines, names).allSatisfy({ $0.hasSuffix(" " + $1) }) else {
      throw HandIn.Refusal(reason: "the zip cannot be read: its listing and its names disagree")
    }
    return Swift.zip(lines, names).map { line, name in
      let kind: Entry.Kind =
        name.hasSuffix("/") || line.hasPrefix("d") ? .folder : line.hasPrefix("l") ? .link : .file
      return Entry(name: name, kind: kind)
    }
  }

  private func list(_ arguments: [String]) throws -> String {
    let outcome = try Subprocess(executable: executable, arguments: arguments, deadline: .seconds(60)).run()
    guard outcome.termination == .exited(0) else {
      throw HandIn.Refusal(reason: "the zip cannot be read: \(Self.firstLine(of: outcome.output))")
    }
    return outcome.output
  }

  /// Unpacks `zip` into `folder`, refusing it if an entry would land outside the folder or the
  /// entries hold more than `sizeLimit` bytes; the caller removes what a refused zip wrote.
  func unpack(_ zip: URL, into folder: URL) throws {
    let entries = try entries(of: zip)
    if let bad = entries.first(where: { Self.leavesFolder($0.name) }) {
      throw HandIn.Refusal(
        reason: "the zip holds \(bad.name), which leads outside the folder it unpacks into")
    }
    if let bad = entries.first(where: { Self.hasControlCharacter($0.name) }) {
      throw HandIn.Refusal(
        reason: "the zip holds a name with a line break or a control character: \(bad.name.debugDescription)")
    }
    // The headers' own total: an honest zip that is too large is refused before a byte is written.
    let claimed = try uncompressedSize(of: zip)
    guard claimed <= Self.sizeLimit else {
      throw HandIn.Refusal(
        reason: "the zip unpacks to \(claimed >> 20) MiB, more than \(Self.sizeLimit >> 20) MiB")
    }
    var budget = Self.sizeLimit
    var written: Set<String> = []
    var links: [(name: String, target: String)] = []
    for entry in entries where !written.contains(entry.name) {
      switch entry.kind {
      case .folder:
        continue
      case .file:
        guard entry.name.hasSuffix(".swift") else { continue }
        let file = folder.appendingPathComponent(entry.name)
        try Self.refusingConflicts(entry.name) {
          try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        budget -= try extract(entry.name, of: zip, to: file, budget: budget)
      case .link:
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("link-\(UUID())")
        defer { try? FileManager.default.removeItem(at: target) }
        let size = try extract(entry.name, of: zip, to: target, budget: min(budget, Self.linkLimit))
        budget -= size
        links.append((entry.name, String(decoding: try Data(contentsOf: target), as: UTF8.self)))
      }
      written.insert(entry.name)
    }
    // Links last, and never inside another link: nothing is made through one.
    let linkNames = Set(links.map(\.name))
    for link in links {
      let parts = link.name.split(separator: "/")
      let parents = (1..<max(1, parts.count)).map { parts.prefix($0).joined(separator: "/") }
      if let outer = parents.first(where: linkNames.contains) {
        throw HandIn.Refusal(reason: "the zip holds \(link.name) inside \(outer), which is a link")
      }
      let path = folder.appendingPathComponent(link.name)
      try Self.refusingConflicts(link.name) {
        try FileManager.default.createDirectory(
          at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path.path, withDestinationPath: link.target)
      }
    }
    if let link = Self.firstLinkLeaving(folder) {
      throw HandIn.Refusal(reason: "the zip holds \(link), a link that leads outside the hand-in")
    }
  }

  /// Writes one entry to `file` (a new file) from `unzip -p`, counting the bytes as they come,
  /// and returns how many it wrote: more than `budget` refuses the zip, with only `budget` written.
  private func extract(_ name: String, of zip: URL, to file: URL, budget: Int) throws -> Int {
    let output = open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard output >= 0 else {
      throw HandIn.Refusal(
        reason: "the zip holds \(name) twice, or where one of its folders is a file: it cannot be unpacked")
    }
    defer { close(output) }
    var ends: [Int32] = [0, 0]
    // Close-on-exec, made under the spawn lock, as Subprocess makes its own pipes.
    let piped = Subprocess.spawnLock.withLock {
      pipe(&ends) == 0 && fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0 && fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0
    }
    guard piped else {
      throw GraderError.operationFailed("making a pipe for unzip -p", output: "errno \(errno)")
    }
    let copy = CountingCopy(from: ends[0], to: output, budget: budget)
    let writeEnd = ends[1]
    let outcome = try Subprocess(
      executable: executable, arguments: ["-p", zip.path, Self.pattern(matching: name)],
      deadline: .seconds(120), descriptors: [1: writeEnd], onSpawn: { close(writeEnd) }
    ).run()
    let (count, overflowed, failure) = copy.finish()
    if let failure {
      throw GraderError.operationFailed("writing \(file.path)", output: String(cString: strerror(failure)))
    }
    if overflowed {
      throw HandIn.Refusal(
        reason: "the zip unpacks to more than \(Self.sizeLimit >> 20) MiB (its headers claim less): "
          + "unpacking stopped at \(name)")
    }
    guard outcome.termination == .exited(0) else {
      throw HandIn.Refusal(reason: "the zip cannot be unpacked: \(Self.firstLine(of: outcome.output))")
    }
    return count
  }

  /// Runs `body`, which makes `name`'s folders or link; a failure is the zip's own doing (a name
  /// that is a file in one entry and a folder in another, or given twice), so it refuses the zip.
  private static func refusingConflicts(_ name: String, _ body: () throws -> Void) throws {
    do {
      try body()
    } catch {
      throw HandIn.Refusal(
        reason: "the zip holds \(name) twice, or where one of its folders is a file: it cannot be unpacked")
    }
  }

  /// `name` as an `unzip` pattern that matches it alone: its wildcard characters escaped.
  static func pattern(matching name: String) -> String {
    var pattern = ""
    for character in name {
      if "\\*?[]".contains(character) { pattern.append("\\") }
      pattern.append(character)
    }
    return pattern
  }

  /// The total size the headers claim, from `unzip -Zt`'s last line: `3 files, 1234 bytes uncompressed, …`.
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

  /// Whether an entry's name holds a line break or another control character, which no listing shows.
  static func hasControlCharacter(_ name: String) -> Bool {
    name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
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

/// Copies a pipe into a file on a thread of its own, counting: past `budget` bytes it writes no
/// more and closes the pipe, so the writer at its other end stops (SIGPIPE).
private final class CountingCopy: @unchecked Sendable {
  // `@unchecked Sendable`: `count` and `overflowed` are written only by the copying thread, and
  // read only after `done` has been signalled by it.
  private var count = 0
  private var overflowed = false
  private var failure: Int32? = nil
  private let done = DispatchSemaphore(value: 0)

  init(from source: Int32, to file: Int32, budget: Int) {
    Thread { [self] in
      var buffer = [UInt8](repeating: 0, count: 65_536)
      copying: while true {
        let got = read(source, &buffer, buffer.count)
        if got < 0 && errno == EINTR { continue }
        if got <= 0 { break }
        guard count + got <= budget else {
          overflowed = true
          break
        }
        var offset = 0
        while offset < got {
          let wrote = buffer.withUnsafeBytes { write(file, $0.baseAddress! + offset, got - offset) }
          if wrote < 0 && errno == EINTR { continue }
          if wrote < 0 {
            failure = errno
            break copying
          }
          offset += wrote
        }
        count += got
      }
      close(source)
      done.signal()
    }.start()
  }

  /// How many bytes were written, whether the pipe held more than the budget, and the `errno` of
  /// a write that failed (a full disk).
  func finish() -> (count: Int, overflowed: Bool, failure: Int32?) {
    done.wait()
    return (count, overflowed, failure)
  }
}
