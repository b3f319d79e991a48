/// The threads of a backtrace the Swift runtime printed: after a crash, or when the grader asked
/// for one (SIGQUIT) at a chapter's deadline.
///
/// A crash or a hang is the student's as soon as a frame lies in their file: that frame, and the
/// call it was making, say more than the names of every test that happened to be running.
struct Backtrace {
  struct Frame: Equatable {
    /// The function: `SafeBankAccount.transfer(_:to:)`.
    var symbol: String
    /// The file, relative to the workbook when it lies in it, and the line; nil for a library.
    var file: String?
    var line: Int?
  }

  struct Thread {
    var isCrashed: Bool
    /// The innermost frame first.
    var frames: [Frame]
  }

  var threads: [Thread] = []

  /// Reads the `Thread N crashed:` sections and their frames; everything else is skipped.
  init(output: String, root: String) {
    let prefix = root.hasSuffix("/") ? root : root + "/"
    for line in output.split(separator: "\n") {
      if line.hasPrefix("Thread "), line.hasSuffix(":") {
        threads.append(Thread(isCrashed: line.hasSuffix(" crashed:"), frames: []))
        continue
      }
      if line.hasPrefix("Registers:") || line.hasPrefix("Images") { break }
      guard !threads.isEmpty, let match = line.firstMatch(of: Self.framePattern) else { continue }
      var file = match.file.map(String.init)
      if let path = file, path.hasPrefix(prefix) { file = String(path.dropFirst(prefix.count)) }
      let symbol = String(match.symbol).replacing(#/^specialized /#, with: "")
      threads[threads.count - 1].frames.append(
        Frame(symbol: symbol, file: file, line: match.line.flatMap { Int($0) }))
    }
  }

  // `  3 [ra] 0x000055b6b31931a1 student(_:) + 32 in a at /tmp/a.swift:2:38`; an async frame has
  // no offset, and a generated one a relative path.
  nonisolated(unsafe) private static let framePattern =
    #/^\s*\d+\s+(?:\[[a-z]+\]\s+)*0x[0-9a-fA-F]+ (?<symbol>.+?)(?: \+ \d+)? in \S+(?: at (?<file>.+?):(?<line>\d+)(?::\d+)?)?$/#

  /// The thread that crashed, if the backtrace is a crash's.
  var crashedThread: Thread? { threads.first(where: \.isCrashed) }
}

extension Backtrace.Thread {
  /// The innermost frame in a file the student writes (`Exercises/` or `Solutions/`), else in the
  /// chapter's tests, and the call that frame was making.
  func studentFrame() -> (frame: Backtrace.Frame, callee: Backtrace.Frame?)? {
    let index =
      frames.firstIndex {
        $0.file?.hasPrefix("Exercises/") == true || $0.file?.hasPrefix("Solutions/") == true
      }
      ?? frames.firstIndex { $0.file?.hasPrefix("Tests/") == true }
    guard let index else { return nil }
    // The runtime's own trap machinery (`_assertionFailure`) is how a trap happens, not a call
    // the student made.
    let callee = frames[..<index].last {
      !$0.symbol.contains("_assertionFailure") && !$0.symbol.hasPrefix("closure #")
    }
    return (frames[index], callee)
  }

  /// The frames that lie in `file`, a test source, innermost first.
  func lines(in file: String) -> [Int] {
    frames.filter { $0.file == file }.compactMap(\.line)
  }
}

extension Backtrace.Frame {
  /// `Exercises/07-OutOfBounds/OutOfBounds.swift:3 in lastElement(of:)`.
  var place: String { "\(file ?? "?"):\(line ?? 0) in \(symbol)" }
}

extension Backtrace {
  /// Where the student's code was, thread by thread, when the grader stopped a suite at its
  /// deadline: one line a place, at most `limit`, the call each was making and what that call does.
  ///
  /// A thread blocked in the C library often shows no frame of the student's file: the fast
  /// unwinder skips the caller of a function that keeps no frame pointer. The test's line that
  /// called into the student's code stands in for it, after every place in the student's files.
  func hangSites(limit: Int = 4) -> [String] {
    var seen = Set<String>()
    var students: [String] = []
    var tests: [String] = []
    for thread in threads {
      guard let (frame, callee) = thread.studentFrame(), seen.insert(frame.place).inserted else { continue }
      let call = callee.flatMap { $0 == thread.frames.first ? nil : ", calling \($0.symbol)" } ?? ""
      let site = "\(frame.place)\(call): \(Self.activity(of: thread, below: frame))"
      if frame.file?.hasPrefix("Tests/") == true { tests.append(site) } else { students.append(site) }
    }
    return Array((students + tests).prefix(limit))
  }

  /// What a thread stopped at `frame` is doing, in words, from the frames above it.
  ///
  /// A frame with a source file above it is code the workbook compiled: the thread is running,
  /// not waiting. Otherwise the library calls above it say what it waits for.
  static func activity(of thread: Thread, below frame: Frame) -> String {
    let above = thread.frames.prefix { $0 != frame }
    guard let top = above.first, top.file == nil else { return "running its own code (an endless loop?)" }
    let words: [(keys: [String], meaning: String)] = [
      (["lock"], "waiting for a lock"),
      (["join"], "waiting for a thread to end"),
      (["nanosleep", "usleep", "sleep"], "sleeping"),
      (["cond", "sema", "futex", "wait"], "waiting to be woken"),
      (["read", "poll", "accept", "recv", "select"], "waiting for input"),
    ]
    for symbol in above.map({ $0.symbol.lowercased() }) {
      if let match = words.first(where: { $0.keys.contains { symbol.contains($0) } }) { return match.meaning }
    }
    return "inside \(top.symbol)"
  }

}
