import Foundation
import Testing
import WorkbookTestSupport

@testable import GraderKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Zipped hand-ins: unpacked entry by entry with the bytes counted as they are written, whatever
/// the zip's headers claim.
@Suite("Grader · zipped hand-ins")
struct ZipTests {
  @Test(
    "a zip whose headers say 1,000 bytes for an entry that inflates to 200 MiB is refused at the cap, with the reason, and leaves nothing"
  )
  func lyingSizes() throws {
    let unpacker = try #require(Unpacker.find(), "the grader's zip tests need unzip (apt-get install unzip)")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lying-zip-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let zip = folder.appendingPathComponent("liar.zip")
    try LyingZip.make(at: zip, in: folder.appendingPathComponent("staged"), claimed: 1_000, real: 200 << 20)
    // The lie works on the headers: unzip's own total is the claimed one.
    let listed = try Subprocess(executable: unpacker.executable, arguments: ["-Zt", zip.path]).run().output
    let claimed = try #require(listed.firstMatch(of: /(\d+) bytes uncompressed/).flatMap { Int($0.1) })
    #expect(claimed < 2_000, "\(listed)")

    let unpacked = folder.appendingPathComponent("unpacked")
    try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
    #expect {
      try unpacker.unpack(zip, into: unpacked)
    } throws: { error in
      (error as? GraderKit.HandIn.Refusal)?.reason.contains("more than 64 MiB") == true
    }
    // What reached the disk, by the file system's own count: never more than the cap.
    let written = try LyingZip.bytesOnDisk(in: unpacked)
    #expect(written <= Unpacker.sizeLimit, "\(written) bytes written")
    #expect(written > 0, "the honest entry and the start of the bomb were written before the cap")

    // Graded as a hand-in: every chapter refused with the reason, and the scratch folder gone.
    let workbook = try FixtureWorkbook.temporaryCopy(chapters: FixtureWorkbook.courseChapters)
    defer { try? FileManager.default.removeItem(at: workbook) }
    let scratch = workbook.appendingPathComponent(".grader/unpacked")
    let grader = SubmissionGrader(workbook: try Workbook(root: workbook))
    let grade = try Batch.grade(
      try GraderKit.HandIn(zip), with: grader, unpacker: unpacker, scratch: scratch, chapters: nil)
    #expect(grade.chapters.allSatisfy { $0.status == .refused }, "\(grade.chapters.map(\.status))")
    let note = try #require(Batch.note(on: grade))
    #expect(note.contains("more than 64 MiB") && note.contains("Bomb.swift"), "\(note)")
    #expect(!FileManager.default.fileExists(atPath: scratch.path), "no partial files are left")
  }

  @Test(
    "a zip's Swift files and links unpack as named, wildcard characters and spaces included; other files stay packed"
  )
  func names() throws {
    let unpacker = try #require(Unpacker.find(), "the grader's zip tests need unzip (apt-get install unzip)")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zip-names-\(UUID())")
    defer { try? FileManager.default.removeItem(at: folder) }
    let chapter = folder.appendingPathComponent("staged/01-Healthy")
    try FileManager.default.createDirectory(at: chapter, withIntermediateDirectories: true)
    let files = [
      "a[1].swift": "one", "a1.swift": "plain", "st*r?.swift": "star", " lead.swift": "space",
      "back\\slash.swift": "slash", "README.md": "lesson",
    ]
    for (name, text) in files {
      try text.write(to: chapter.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    try FileManager.default.createSymbolicLink(
      atPath: chapter.appendingPathComponent("Link.swift").path, withDestinationPath: "a1.swift")
    let zip = folder.appendingPathComponent("names.zip")
    let outcome = try Subprocess(
      executable: "sh",
      arguments: [
        "-c", #"cd "$1" && zip -qry "$2" 01-Healthy"#, "sh",
        folder.appendingPathComponent("staged").path, zip.path,
      ]
    ).run()
    #expect(outcome.termination == .exited(0), "\(outcome.output)")

    let unpacked = folder.appendingPathComponent("unpacked")
    try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
    try unpacker.unpack(zip, into: unpacked)
    let out = unpacked.appendingPathComponent("01-Healthy")
    for (name, text) in files where name.hasSuffix(".swift") {
      #expect(try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8) == text, "\(name)")
    }
    #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("README.md").path))
    let link = out.appendingPathComponent("Link.swift").path
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "a1.swift")
  }
}

// MARK: - Fixtures

/// A zip that lies about the size of one entry, the way a zip bomb gets past a check of its headers.
enum LyingZip {
  /// Zips a chapter with an honest file and `Bomb.swift` (`real` bytes of zeros, made sparse so
  /// the test writes nothing), then writes `claimed` as the bomb's uncompressed size in both of
  /// the zip's records of it.
  ///
  /// The fields, from PKWARE's APPNOTE.TXT: the end of central directory record (4.3.16) holds
  /// the central directory's offset at byte 16; each central directory header (4.3.12) holds the
  /// uncompressed size at byte 24, the name, extra field and comment lengths at 28, 30 and 32,
  /// the local header's offset at 42 and the name at 46; a local file header (4.3.7) holds the
  /// general purpose flags at byte 6 and the uncompressed size at byte 22.
  static func make(at zip: URL, in staged: URL, claimed: UInt32, real: UInt64) throws {
    let chapter = staged.appendingPathComponent("Exercises/01-Healthy")
    try FileManager.default.createDirectory(at: chapter, withIntermediateDirectories: true)
    try "let honest = 1\n".write(
      to: chapter.appendingPathComponent("Honest.swift"), atomically: true, encoding: .utf8)
    let bomb = chapter.appendingPathComponent("Bomb.swift")
    #expect(FileManager.default.createFile(atPath: bomb.path, contents: nil))
    let handle = try FileHandle(forWritingTo: bomb)
    try handle.truncate(atOffset: real)
    try handle.close()
    let outcome = try Subprocess(
      executable: "sh", arguments: ["-c", #"cd "$1" && zip -qr "$2" Exercises"#, "sh", staged.path, zip.path]
    ).run()
    #expect(outcome.termination == .exited(0), "\(outcome.output)")
    try? FileManager.default.removeItem(at: staged)

    var data = try Data(contentsOf: zip)
    func uint16(_ offset: Int) -> Int { Int(data[offset]) | Int(data[offset + 1]) << 8 }
    func uint32(_ offset: Int) -> Int { uint16(offset) | uint16(offset + 2) << 16 }
    func set(_ value: UInt32, at offset: Int) {
      for byte in 0..<4 { data[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(byte))) }
    }
    // zip writes no archive comment, so the end record is the last 22 bytes.
    let end = data.count - 22
    #expect(uint32(end) == 0x0605_4b50, "end of central directory record")
    var header = uint32(end + 16)
    var patched = 0
    while uint32(header) == 0x0201_4b50 {
      let nameLength = uint16(header + 28)
      let name = String(decoding: data[(header + 46)..<(header + 46 + nameLength)], as: UTF8.self)
      if name.hasSuffix("Bomb.swift") {
        let local = uint32(header + 42)
        #expect(uint32(local) == 0x0403_4b50, "local file header")
        #expect(uint16(local + 6) & 0x8 == 0, "no data descriptor holds the sizes a third time")
        set(claimed, at: header + 24)
        set(claimed, at: local + 22)
        patched += 1
      }
      header += 46 + nameLength + uint16(header + 30) + uint16(header + 32)
    }
    #expect(patched == 1)
    try data.write(to: zip)
  }

  /// The bytes the files below `folder` hold, by `lstat`.
  static func bytesOnDisk(in folder: URL) throws -> Int {
    var total = 0
    for path in try FileManager.default.subpathsOfDirectory(atPath: folder.path) {
      var info = stat()
      guard lstat(folder.appendingPathComponent(path).path, &info) == 0, info.st_mode & S_IFMT == S_IFREG
      else { continue }
      total += Int(info.st_size)
    }
    return total
  }
}
