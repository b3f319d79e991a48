import Foundation
import GraderProcessControl
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a suite's test process runs: what it can read, write and reach.
///
/// With `namespaces` (Linux), the grader's own C code (`GraderProcessControl/sandbox.c`) starts
/// the child in fresh user, mount, PID, network and IPC namespaces: the machine's folders
/// read-only, the graded workbook read-only, an empty tmpfs over the answer key, the grader's
/// folders, the home folder and whatever else the grader hides, a private `/tmp` as its only
/// writable place, its own `/proc` and a `/dev` of a few harmless devices, and loopback as its
/// only network. Its PID 1 is the grader's child: when the tests end, or the deadline kills that
/// PID 1, the kernel kills every process left in the namespace. A root grader's namespaces map
/// `nobody` alone, and the tests run as `nobody`: root's files are not theirs. With `uid` (root,
/// namespaces refused), the child runs as `nobody`, whom file modes keep out of the workbook and
/// the answer key. The plan of mounts is made here; the C code only carries it out between fork
/// and exec.
struct Sandbox: Sendable {
  /// `.namespaces` or `.uid`: the levels that make a sandbox.
  let isolation: Isolation
  /// The file system, as steps (`namespaces`).
  var steps: [Step] = []
  /// The child's working folder: the graded workbook.
  var directory: String
  /// The unprivileged user and group (`uid`).
  var user: uid_t? = nil
  var group: gid_t? = nil
  /// Where the child may write (`uid`): a folder of its own, removed after the suite.
  var scratch: URL? = nil

  /// The most processes a suite's user may have at once, its threads included; a fork bomb
  /// stops there. With namespaces the count is the sandbox's own (Linux counts processes per
  /// user namespace), far above what any chapter starts (chapter 09: a few workers).
  static let processLimit: UInt64 = 1024
  /// The largest file a suite may write: tests write none, so a runaway writer stops early.
  static let fileSizeLimit: UInt64 = 256 << 20
  /// The private `/tmp`'s size: tmpfs is memory.
  static let temporarySize = "256m"

  struct Step: Sendable, Equatable {
    enum Kind: Int32, Sendable {
      case bind = 1, readOnly, tmpfs, proc, symlink
    }
    var kind: Kind
    var source = ""
    var target: String
    var recursive = false
    var readOnly = false
    var optional = false
  }

  /// What a suite's sandbox hides of the graded workbook and around it, and what it must still see.
  struct Plan: Sendable {
    /// The workbook graded: its tests and its build are read from here.
    var workbook: URL
    /// The build folder the test binary is in (inside `workbook`).
    var buildFolder: URL
    /// More folders to hide: the instructor's checkout around a submission's workspace, the hand-ins.
    var hidden: [URL] = []
    /// Folders the suite may write besides its `/tmp` (ThreadSanitizer's reports, `--races`).
    var writable: [URL] = []
    /// Whether a root grader's suites run as `nobody` inside the namespaces: only when `nobody`
    /// can reach the test binary. Otherwise root is mapped to itself, and owns root's files.
    var runsAsUnprivilegedUser = true
  }

  // MARK: Choosing the level

  /// The strongest isolation this machine gives, probed once: namespaces, else `nobody` as
  /// root, else none. `GRADER_ISOLATION=uid` or `none` caps it (the grader's own tests prove the
  /// fallbacks with it).
  static func strongest(upTo cap: Isolation? = nil) -> Isolation {
    let forced = ProcessInfo.processInfo.environment["GRADER_ISOLATION"].flatMap(Isolation.init(rawValue:))
    let ceiling = [cap, forced].compactMap { $0 }.max { $0.rank > $1.rank } ?? .namespaces
    if ceiling.rank <= Isolation.namespaces.rank && namespacesWork { return .namespaces }
    if ceiling.rank <= Isolation.uid.rank && unprivilegedUser != nil { return .uid }
    return .none
  }

  /// Whether this machine lets the grader make the namespaces.
  static var namespacesWork: Bool { namespacesRefusal == nil }

  /// Why this machine refuses the namespaces (a container without the right, macOS), or nil if
  /// it gives them: tried once, with `true` in a sandbox of the machine's folders.
  static let namespacesRefusal: String? = {
    #if os(Linux)
      guard let program = ["/usr/bin/true", "/bin/true"].first(where: FileManager.default.isExecutableFile)
      else { return "no true program to try the namespaces with" }
      let sandbox = Sandbox(isolation: .namespaces, steps: machineSteps(), directory: "/")
      do {
        let outcome = try Subprocess(
          executable: program, arguments: [], deadline: .seconds(20), sandbox: sandbox
        )
        .run()
        return outcome.termination == .exited(0)
          ? nil : "true in the namespaces ended with \(outcome.termination)"
      } catch {
        return "\(error)"
      }
    #else
      return "Linux namespaces are Linux's alone"
    #endif
  }()

  /// `nobody`, when the grader is root and can become it: the `uid` fallback.
  static let unprivilegedUser: (uid_t, gid_t)? = {
    #if os(Linux)
      guard geteuid() == 0 else { return nil }
      guard let entry = getpwnam("nobody") else { return (65534, 65534) }
      return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    #else
      return nil
    #endif
  }()

  // MARK: Making one

  /// A sandbox at `isolation` for one suite of `plan`; nil for `none` (and `profile`, not built).
  static func make(_ isolation: Isolation, plan: Plan) throws -> Sandbox? {
    switch isolation {
    case .namespaces:
      // A root grader's tests would own root's files in a namespace that maps root to itself:
      // the namespace maps `nobody` alone, the user the `uid` level uses, and the tests run as it.
      // Its processes count against the cap in that namespace only, not with every `nobody`'s.
      let user = plan.runsAsUnprivilegedUser ? unprivilegedUser : nil
      // The folders to write belong to whoever the tests run as, this time: one that an earlier
      // suite ran as `nobody` in stays `nobody`'s, and root mapped to itself may not write there.
      let (owner, group) = user ?? (geteuid(), getegid())
      for folder in plan.writable where chown(folder.path, owner, group) != 0 {
        throw GraderError.operationFailed(
          "chown \(owner) \(folder.path)", output: String(cString: strerror(errno)))
      }
      return Sandbox(
        isolation: .namespaces, steps: machineSteps() + workbookSteps(plan),
        directory: realPath(plan.workbook), user: user?.0, group: user?.1)
    case .uid:
      guard let (user, group) = unprivilegedUser else { return nil }
      try closeAnswerKey(of: plan)
      let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("grader-scratch-\(UUID())")
      try FileManager.default.createDirectory(
        at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
      guard chown(scratch.path, user, group) == 0 else {
        throw GraderError.operationFailed(
          "chown nobody \(scratch.path)", output: String(cString: strerror(errno)))
      }
      return Sandbox(
        isolation: .uid, directory: realPath(plan.workbook), user: user, group: group, scratch: scratch)
    case .profile, .none:
      return nil
    }
  }

  /// Removes what the suite was given to write.
  func cleanUp() {
    if let scratch { try? FileManager.default.removeItem(at: scratch) }
  }

  /// The environment variables that say where the suite may write: its scratch folder or `/tmp`.
  var environment: [String: String] {
    let folder = scratch?.path ?? "/tmp"
    return ["TMPDIR": folder, "HOME": folder]
  }

  /// The machine's folders, read-only; a fresh `/proc`, `/dev` and `/tmp`.
  static func machineSteps() -> [Step] {
    var steps: [Step] = []
    let special: Set<String> = ["proc", "dev", "sys", "tmp"]
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: "/")) ?? []).sorted()
    var bound: [String] = []
    for name in names where !special.contains(name) {
      let path = "/" + name
      if let text = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
        steps.append(Step(kind: .symlink, source: text, target: path))
        continue
      }
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
        continue
      }
      steps.append(
        Step(kind: .bind, source: path, target: path, recursive: true, readOnly: true, optional: true))
      bound.append(path)
    }
    // Linux binds a folder with mounts below it only recursively, and keeps those read-write:
    // each is made read-only too.
    steps.append(
      Step(kind: .bind, source: "/sys", target: "/sys", recursive: true, readOnly: true, optional: true))
    bound.append("/sys")
    for mountPoint in mountPoints() where bound.contains(where: { mountPoint.hasPrefix($0 + "/") }) {
      steps.append(Step(kind: .readOnly, target: mountPoint, optional: true))
    }
    steps.append(Step(kind: .proc, target: "/proc"))
    steps.append(Step(kind: .tmpfs, source: "mode=0755,size=1m", target: "/dev"))
    for device in ["null", "zero", "full", "random", "urandom", "tty"] {
      steps.append(Step(kind: .bind, source: "/dev/" + device, target: "/dev/" + device, optional: true))
    }
    for (link, text) in [
      ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
      ("stderr", "/proc/self/fd/2"),
    ] {
      steps.append(Step(kind: .symlink, source: text, target: "/dev/" + link))
    }
    steps.append(Step(kind: .tmpfs, source: "mode=1777,size=\(temporarySize)", target: "/dev/shm"))
    steps.append(Step(kind: .readOnly, target: "/dev"))
    steps.append(Step(kind: .tmpfs, source: "mode=1777,size=\(temporarySize)", target: "/tmp"))
    return steps
  }

  /// The graded workbook read-only, and what must stay out of sight: its answer key, the grader's
  /// folders and builds other than this one, the home folder and `plan.hidden`.
  static func workbookSteps(_ plan: Plan) -> [Step] {
    let root = realPath(plan.workbook)
    let build = realPath(plan.buildFolder)
    var hidden = Set(hiddenFolders(in: root, keeping: build) + plan.hidden.map { realPath($0) })
    if let home = ProcessInfo.processInfo.environment["HOME"].map(realPath), home != "/" {
      hidden.insert(home)
    }
    hidden = hidden.filter { $0 != root && FileManager.default.fileExists(atPath: $0) }
    // The workbook, the toolchain the test binary links against and the folders to write are
    // shown again when a hidden folder holds them.
    var shown = [root]
    if let toolchain = toolchainFolder(), hidden.contains(where: { isInside(toolchain, $0) }) {
      shown.append(toolchain)
    }
    let writable = plan.writable.map { realPath($0.path) }
    enum Entry { case hide, show, write }
    let entries =
      hidden.map { ($0, Entry.hide) } + shown.map { ($0, Entry.show) } + writable.map { ($0, Entry.write) }
    // Outer folders first: a folder shown inside a hidden one is mounted into its tmpfs.
    let ordered = entries.sorted {
      let depths = ($0.0.split(separator: "/").count, $1.0.split(separator: "/").count)
      return depths.0 != depths.1 ? depths.0 < depths.1 : $0.0 < $1.0
    }
    var steps: [Step] = []
    for (path, entry) in ordered {
      switch entry {
      case .hide: steps.append(Step(kind: .tmpfs, source: "mode=0755,size=1m", target: path))
      case .show: steps.append(Step(kind: .bind, source: path, target: path, recursive: true, readOnly: true))
      case .write:
        steps.append(Step(kind: .bind, source: path, target: path, recursive: true, optional: true))
      }
    }
    // Made read-only last, once every folder shown inside them has its mount point.
    steps += ordered.filter { $0.1 == .hide }.map { Step(kind: .readOnly, target: $0.0) }
    return steps
  }

  /// What of a workbook a suite never sees: the answer key, the mutants (lines of it), the git
  /// history, and every folder of the grader's and every build but the one being run.
  static func hiddenFolders(in root: String, keeping build: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    let dotted = names.filter { $0.hasPrefix(".") }.map { root + "/" + $0 }.filter { path in
      var isFolder: ObjCBool = false
      return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
        && path != build && !isInside(build, path)
    }
    return dotted + [root + "/Solutions", root + "/Tests/Mutants"]
  }

  /// The toolchain's folder (`…/usr`), from `swift` on the `PATH`.
  static func toolchainFolder() -> String? {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    guard let swift = folders.map({ "\($0)/swift" }).first(where: FileManager.default.isExecutableFile) else {
      return nil
    }
    return URL(fileURLWithPath: realPath(swift)).deletingLastPathComponent().deletingLastPathComponent().path
  }

  /// The machine's mount points, from `/proc/self/mountinfo` (field 5, octal escapes undone).
  static func mountPoints() -> [String] {
    guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ")
      guard fields.count > 4 else { return nil }
      return unescape(String(fields[4]))
    }
  }

  private static func unescape(_ field: String) -> String {
    var bytes: [UInt8] = []
    var characters = Array(field.utf8)[...]
    while let byte = characters.popFirst() {
      if byte == UInt8(ascii: "\\"), characters.count >= 3,
        let value = UInt8(String(decoding: characters.prefix(3), as: UTF8.self), radix: 8)
      {
        bytes.append(value)
        characters = characters.dropFirst(3)
      } else {
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Whether a user other than the owner can reach and run `path`: every folder on its way
  /// passable by others, and the file executable by them.
  static func othersCanReach(_ path: String) -> Bool {
    var folder = URL(fileURLWithPath: realPath(path))
    var info = stat()
    guard stat(folder.path, &info) == 0, info.st_mode & S_IXOTH != 0 else { return false }
    while folder.path != "/" {
      folder.deleteLastPathComponent()
      guard stat(folder.path, &info) == 0, info.st_mode & S_IXOTH != 0 else { return false }
    }
    return true
  }

  /// Whether `path` is `folder` or below it.
  static func isInside(_ path: String, _ folder: String) -> Bool {
    path == folder || path.hasPrefix(folder == "/" ? "/" : folder + "/")
  }

  static func realPath(_ url: URL) -> String { realPath(url.path) }

  static func realPath(_ path: String) -> String {
    SealedCopy.realPath(path) ?? URL(fileURLWithPath: path).standardizedFileURL.path
  }

  /// For `uid`: the answer key and what holds lines of it made unreadable to others, and
  /// `.grader/` made a folder others may pass through but not list.
  private static func closeAnswerKey(of plan: Plan) throws {
    let roots = [plan.workbook] + plan.hidden
    for root in roots.map(realPath) {
      for path in hiddenFolders(in: root, keeping: realPath(plan.buildFolder))
      where FileManager.default.fileExists(atPath: path) {
        let passable = path.hasSuffix("/.grader") && isInside(realPath(plan.workbook), path)
        chmod(path, passable ? 0o711 : 0o700)
      }
    }
    // Unpacked zips of other students sit beside the workspace in `.grader/`.
    for root in roots.map(realPath) {
      let grader = root + "/.grader"
      for name in (try? FileManager.default.contentsOfDirectory(atPath: grader)) ?? []
      where name.hasPrefix("unpacked") {
        chmod(grader + "/" + name, 0o700)
      }
    }
  }
}

extension Isolation {
  /// 0 for the strongest.
  var rank: Int { Isolation.allCases.firstIndex(of: self) ?? 0 }
}
