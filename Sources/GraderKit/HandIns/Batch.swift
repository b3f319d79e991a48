import Foundation
import Synchronization

/// Grades a class's hand-ins, `slots` students at a time, and hands each grade on as soon as it is made.
///
/// A student's hand-in costs that student alone: a zip that leads outside itself is refused, a
/// build that fails is pinned to the chapters that break it (`Builder`), and only an error of the
/// machine or the workbook (a full disk, a workbook that does not build) stops the batch. Each
/// slot grades in a workspace of its own, which keeps its build folder from one student to the
/// next; the slots share one build lock, so the suites of one student run while the next builds.
/// With `sharesBuilds` (`GRADER_SHARED_BUILDS=1`), the slots share one workspace instead, and a
/// chapter's contents are compiled once for the whole batch (`SharedBuilds`): faster, but a suite
/// can then read the sources built last in the workspace, which may be a classmate's.
struct Batch {
  let workbook: Workbook
  /// The chapters to grade; every chapter by default.
  var chapters: [Chapter]?
  /// How many students are graded at once (`--jobs`), each in a workspace of its own.
  var slots = defaultSlots
  /// Two: while one student's suites run, the next one builds; more would wait for the build lock.
  static let defaultSlots = 2
  /// Whether a chapter's contents are built once for every hand-in that has them (`SharedBuilds`),
  /// rather than each hand-in built on its own: `GRADER_SHARED_BUILDS=1` turns it on.
  var sharesBuilds = ProcessInfo.processInfo.environment["GRADER_SHARED_BUILDS"] == "1"
  var configure: @Sendable (inout Grader) -> Void = { _ in }
  /// The unpacker found when the batch started; nil if the machine has none (and no hand-in is a zip).
  var unpacker: Unpacker?
  /// Called before a student's hand-in is opened, built or run.
  var willGrade: @Sendable (HandIn) -> Void = { _ in }
  /// Where progress goes: standard error.
  var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

  /// The scratch workspace of slot `slot`: the first is the one `--submission` uses, so both share its build.
  func workspace(_ slot: Int) -> URL {
    workbook.root.appendingPathComponent(slot == 0 ? ".grader/submission" : ".grader/submission-\(slot + 1)")
  }

  /// Grades `handIns`, calling `graded` with each grade and its note, in the order they finish.
  ///
  /// Throws the first error that is not one student's (the machine's or the workbook's) once every
  /// slot has finished the student it was grading; the grades handed on before stay handed on.
  func run(_ handIns: [HandIn], graded: @Sendable (Grade, String?) throws -> Void) throws {
    let next = Atomic(0)
    let done = Atomic(0)
    let failure = Mutex<(any Error)?>(nil)
    let start = ContinuousClock.now
    let buildLock = NSLock()
    let slotCount = max(1, min(slots, handIns.count))
    let shared =
      sharesBuilds && !handIns.isEmpty ? try SharedBuilds(workbook: workbook, workspace: workspace(0)) : nil
    concurrently(slotCount) { slot in
      var grader = SubmissionGrader(workbook: workbook)
      grader.workspace = workspace(slot)
      grader.buildLock = buildLock
      while failure.withLock({ $0 == nil }), case let index = next.add(1, ordering: .relaxed).oldValue,
        index < handIns.count
      {
        let handIn = handIns[index]
        let configure = configure
        let log = log
        grader.configure = { grader in
          configure(&grader)
          // Suites of two students at once already keep every core busy.
          if slotCount > 1 { grader.jobs = 1 }
          grader.log = { log("  \(handIn.id): \($0)") }
        }
        willGrade(handIn)
        do {
          let grade = try Self.grade(
            handIn, with: grader, unpacker: unpacker, scratch: scratch(slot), chapters: chapters
          ) { submission in
            try shared?.grade(
              submission, slot: slot, chapters: chapters, buildLock: buildLock, configure: grader.configure)
              ?? grader.grade(submission, chapters: chapters)
          }
          let note = Self.note(on: grade)
          try graded(grade, note)
          let finished = done.add(1, ordering: .relaxed).newValue
          log(progress(of: grade, finished: finished, of: handIns.count, since: start))
        } catch {
          failure.withLock { $0 = $0 ?? error }
        }
      }
    }
    if let error = failure.withLock({ $0 }) { throw error }
  }

  /// Grades one hand-in in `grader`'s workspace; a zip is unpacked into `scratch` and removed after.
  ///
  /// A hand-in refused whole (a zip that cannot be unpacked or leads outside itself) gets every
  /// chapter `refused`, with the reason.
  static func grade(
    _ handIn: HandIn, with grader: SubmissionGrader, unpacker: Unpacker?, scratch: URL, chapters: [Chapter]?,
    grading: ((Submission) throws -> Grade)? = nil
  ) throws -> Grade {
    defer { if handIn.isZip { try? FileManager.default.removeItem(at: scratch) } }
    do {
      let submission = try handIn.open(unpacker: unpacker, scratch: scratch)
      return try grading?(submission) ?? grader.grade(submission, chapters: chapters)
    } catch let refusal as HandIn.Refusal {
      return grader.refusal(of: handIn.id, reason: refusal.reason, chapters: chapters)
    }
  }

  /// Where slot `slot` unpacks a zip.
  private func scratch(_ slot: Int) -> URL {
    workbook.root.appendingPathComponent(".grader/unpacked-\(slot + 1)")
  }

  /// Why a hand-in was not graded chapter by chapter, if it was not: every chapter ended the same
  /// way for the same reason (a refused zip, a build no one chapter breaks).
  static func note(on grade: Grade) -> String? {
    guard grade.chapters.count > 1, let first = grade.chapters.first, let message = first.message,
      [.refused, .doesNotCompile].contains(first.status),
      grade.chapters.allSatisfy({ $0.status == first.status && $0.message == message })
    else { return nil }
    return message.split(separator: "\n").first.map(String.init)
  }

  /// `[3 of 20] alice: 85/100 · 1 min 40 s so far, about 9 min 20 s to go`.
  private func progress(of grade: Grade, finished: Int, of count: Int, since start: ContinuousClock.Instant)
    -> String
  {
    let elapsed = (ContinuousClock.now - start).timeInterval
    let left = elapsed / Double(finished) * Double(count - finished)
    let points =
      grade.score == grade.score.rounded() ? String(Int(grade.score)) : String(format: "%.1f", grade.score)
    let eta = finished == count ? "" : ", about \(Self.minutes(left)) to go"
    return
      "[\(finished) of \(count)] \(grade.student ?? ""): \(points)/\(grade.maxScore) · \(Self.minutes(elapsed)) so far\(eta)"
  }

  private static func minutes(_ seconds: Double) -> String {
    let whole = Int(seconds.rounded())
    return whole < 60 ? "\(whole) s" : "\(whole / 60) min \(whole % 60) s"
  }
}
