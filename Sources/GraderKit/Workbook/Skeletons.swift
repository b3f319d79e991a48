import Foundation

/// The skeletons as the student first had them, so `./grader reset` can put one back.
///
/// The first time the grader runs it keeps a copy of `Exercises/` in `.grader/skeletons`, which
/// works with or without git: in a clone, the committed `Exercises/`, since a student may have
/// edited some before that first run. A reset first moves the student's work aside into
/// `.grader/backups`, so nothing is ever lost.
struct Skeletons {
  let workbook: Workbook

  private var snapshot: URL { workbook.root.appendingPathComponent(".grader/skeletons") }

  func snapshotIfNeeded() {
    let files = FileManager.default
    guard !files.fileExists(atPath: snapshot.path) else { return }
    let exercises = workbook.root.appendingPathComponent("Exercises")
    guard files.fileExists(atPath: exercises.path) else { return }
    try? files.createDirectory(at: snapshot.deletingLastPathComponent(), withIntermediateDirectories: true)
    if files.fileExists(atPath: workbook.root.appendingPathComponent(".git").path), snapshotFromGit() {
      return
    }
    try? files.copyItem(at: exercises, to: snapshot)
  }

  /// Keeps the `Exercises/` of git's HEAD; returns whether it could.
  private func snapshotFromGit() -> Bool {
    let files = FileManager.default
    let staging = snapshot.deletingLastPathComponent().appendingPathComponent("skeletons-from-git")
    defer { try? files.removeItem(at: staging) }
    try? files.removeItem(at: staging)
    guard (try? files.createDirectory(at: staging, withIntermediateDirectories: true)) != nil else {
      return false
    }
    let extract = #"git -C "$0" archive HEAD Exercises | tar -x -C "$1""#
    let outcome = try? Subprocess(
      executable: "/bin/sh", arguments: ["-c", extract, workbook.root.path, staging.path]
    ).run()
    guard outcome?.termination == .exited(0) else { return false }
    return (try? files.moveItem(at: staging.appendingPathComponent("Exercises"), to: snapshot)) != nil
  }

  /// Restores `chapter`'s skeleton after asking; returns the exit code.
  func reset(_ chapter: Chapter, assumesYes: Bool) throws -> Int32 {
    let files = FileManager.default
    let current = workbook.folder(of: chapter, in: .exercises)
    let original = snapshot.appendingPathComponent(chapter.folder)
    let fromGit = !files.fileExists(atPath: original.path)
    if fromGit && !files.fileExists(atPath: workbook.root.appendingPathComponent(".git").path) {
      throw GraderError.missingFile(
        ".grader/skeletons/\(chapter.folder)",
        remedy: "It is the kept copy of chapter \(chapter.number)'s skeleton, and there is no git history "
          + "to take it from either: copy Exercises/\(chapter.folder) from a fresh download of the workbook.")
    }
    if !assumesYes {
      guard isatty(STDIN_FILENO) == 1 else {
        throw GraderError.usage("reset asks before it replaces your work; add --yes to answer from a script.")
      }
      Swift.print(
        "Put back the skeleton of chapter \(chapter.number), \(chapter.title)? Your version is kept in .grader/backups. [y/N] ",
        terminator: "")
      guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
        Swift.print("Nothing changed.")
        return 1
      }
    }
    let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "-")
    let backup = workbook.root.appendingPathComponent(".grader/backups/\(chapter.folder)-\(stamp)")
    if files.fileExists(atPath: current.path) {
      try GraderError.whenFailing("moving \(current.path) to \(backup.path)") {
        try files.createDirectory(at: backup.deletingLastPathComponent(), withIntermediateDirectories: true)
        try files.moveItem(at: current, to: backup)
      }
    }
    if fromGit {
      let outcome = try Subprocess(
        executable: "git",
        arguments: ["-C", workbook.root.path, "checkout", "HEAD", "--", "Exercises/\(chapter.folder)"]
      ).run()
      guard outcome.termination == .exited(0) else {
        throw GraderError.operationFailed(
          "git checkout HEAD -- Exercises/\(chapter.folder)", output: outcome.output)
      }
    } else {
      try GraderError.whenFailing("copying \(original.path) to \(current.path)") {
        try files.copyItem(at: original, to: current)
      }
    }
    Swift.print("Chapter \(chapter.number) is back to its skeleton; your version is in \(backup.path).")
    return 0
  }
}

/// A chapter's staged hints, one more each time a student asks.
///
/// `hints.md` holds the hints separated by lines of `---`; how many were shown is kept in
/// `.grader/hints/NN`, so a student sees a pointer to the lesson first and more detail later.
struct Hints {
  let workbook: Workbook
  let chapter: Chapter

  /// The line hints.md begins its second hint with, for people reading the file: the one hint
  /// `./grader hint` shows at a time needs no warning.
  static let readersNote = "Keep reading if you'd like more hints."

  func next() throws -> String {
    let file = workbook.folder(of: chapter, in: .exercises).appendingPathComponent("hints.md")
    guard let text = try? String(contentsOf: file, encoding: .utf8) else {
      throw GraderError.missingFile(
        file.path,
        remedy: "Take it back from git (git checkout HEAD -- Exercises/\(chapter.folder)/hints.md) "
          + "or from a fresh download of the workbook.")
    }
    let hints = text.components(separatedBy: "\n---\n").map {
      Self.plainText($0).replacingOccurrences(of: Self.readersNote, with: "")
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
    .filter { !$0.isEmpty }
    let counter = workbook.root.appendingPathComponent(".grader/hints/\(chapter.number)")
    let shown = (try? String(contentsOf: counter, encoding: .utf8)).flatMap { Int($0) } ?? 0
    guard shown < hints.count else {
      return "You have seen all \(hints.count) hints of chapter \(chapter.number). Reread the lesson, "
        + "Exercises/\(chapter.folder)/README.md, and run ./grader \(chapter.number) for the failing behaviours.\n"
    }
    try FileManager.default.createDirectory(
      at: counter.deletingLastPathComponent(), withIntermediateDirectories: true)
    try String(shown + 1).write(to: counter, atomically: true, encoding: .utf8)
    let more = shown + 1 < hints.count ? "\n\n(./grader hint \(chapter.number) again for the next one.)" : ""
    return
      "Hint \(shown + 1) of \(hints.count), chapter \(chapter.number) · \(chapter.title)\n\n\(hints[shown])\(more)\n"
  }

  /// A hint's Markdown as a terminal shows it best: no headings' `#`, fences, bullets' `-`, bold
  /// or code marks; code blocks indented instead, links as their text and address.
  static func plainText(_ markdown: String) -> String {
    var lines: [String] = []
    var inCode = false
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
        inCode.toggle()
        continue
      }
      if inCode {
        lines.append("    " + line)
        continue
      }
      var text = String(line)
      // "# Hints · Chapter 7" repeats what the grader's own first line says.
      if text.hasPrefix("#") {
        if text.hasPrefix("# ") { continue }
        text = String(text.drop { $0 == "#" }.drop { $0 == " " })
      }
      text = text.replacing(#/^(\s*)[-*] /#) { "\($0.1)• " }
      text = text.replacing(#/\*\*(.+?)\*\*/#) { String($0.1) }
      text = text.replacing(#/\[([^\]]+)\]\(([^)]+)\)/#) { "\($0.1) (\($0.2))" }
      text = text.replacing("`", with: "")
      lines.append(text)
    }
    return lines.joined(separator: "\n")
  }
}
