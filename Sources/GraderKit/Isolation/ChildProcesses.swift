import Foundation
import GraderProcessControl
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The process groups the grader has started and not yet reaped, so that Ctrl-C ends them too.
///
/// Every child runs in a process group of its own, which the terminal's Ctrl-C does not reach:
/// without this, an interrupted grade would leave a student's deadlocked test running.
public enum ChildProcesses {
  private static let groups = Mutex(Set<pid_t>())
  private static let stopping = Atomic(false)

  /// Waits for the end of the program if Ctrl-C is stopping it: a build or a suite that the
  /// interruption killed would otherwise be reported as broken, with the wrong exit code.
  public static func waitIfStopping() {
    while stopping.load(ordering: .sequentiallyConsistent) {
      sleep(60)
    }
  }
  /// Whether Ctrl-C is stopping the grader: no child may start any more (a batch's next build).
  static var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

  // Written once, from the main thread, before any signal can arrive.
  private nonisolated(unsafe) static var interruptSources: [any DispatchSourceSignal] = []
  /// What to note before the grader exits on Ctrl-C, once every child is stopped.
  private static let interruptNotes = Mutex<[@Sendable () -> Void]>([])

  /// Runs `note` when Ctrl-C or SIGTERM stops the grader, after its children are stopped.
  static func onInterrupt(_ note: @escaping @Sendable () -> Void) {
    interruptNotes.withLock { $0.append(note) }
  }

  static func register(_ group: pid_t) {
    _ = groups.withLock { $0.insert(group) }
  }

  static func unregister(_ group: pid_t) {
    _ = groups.withLock { $0.remove(group) }
  }

  /// Stops every child group and every orphan, and waits until they are gone (3 s at most).
  ///
  /// SIGINT first, as a Ctrl-C in a terminal would send: SwiftPM then stops its compilers and
  /// removes its temporary files, which SIGKILL would leave behind. SIGKILL for what is left.
  static func stopEverything() {
    // Under the spawn lock: a child is either registered before, and stopped here, or never spawned.
    Subprocess.spawnLock.withLock { stopping.store(true, ordering: .sequentiallyConsistent) }
    for group in groups.withLock({ $0 }) {
      kill(-group, SIGINT)
    }
    let clock = ContinuousClock()
    let limit = clock.now + .seconds(3)
    while !groups.withLock({ $0.isEmpty }) && clock.now < limit {
      usleep(20_000)
    }
    for group in groups.withLock({ $0 }) {
      kill(-group, SIGKILL)
    }
    // A killed group's leader is reaped by the thread that waits for it; its children that had
    // left its group are handed to the grader only then.
    let orphanLimit = clock.now + .seconds(3)
    repeat {
      killOrphans()
      usleep(20_000)
    } while !groups.withLock({ $0.isEmpty }) && clock.now < orphanLimit
    killOrphans()
  }

  /// Makes the grader adopt every process its children leave behind, however they left.
  ///
  /// A student's test can start children that leave its process group: `setsid`, a double fork,
  /// Foundation's `Process` (which gives each child a group of its own). As a subreaper, the
  /// grader, not `init`, becomes their parent when theirs dies, so `killOrphans()` finds them.
  /// Linux only; elsewhere the process groups are all the grader reaches.
  public static func adoptOrphans() {
    _ = grader_become_subreaper()
  }

  /// Kills and reaps every child of the grader that it did not start itself: orphans it adopted.
  ///
  /// Killing an orphan hands the orphan's own children to the grader, so the sweep repeats until
  /// none is left.
  public static func killOrphans() {
    #if os(Linux)
      for _ in 0..<100 {
        // Under the spawn lock, a child just spawned is registered before the sweep looks.
        let orphans = Subprocess.spawnLock.withLock {
          let started = groups.withLock { $0 }
          let orphans = childrenOfThisProcess().filter { !started.contains($0) }
          for orphan in orphans { kill(orphan, SIGKILL) }
          return orphans
        }
        if orphans.isEmpty { return }
        for orphan in orphans {
          var status: Int32 = 0
          while waitpid(orphan, &status, 0) == -1 && errno == EINTR {}
        }
      }
    #endif
  }

  /// The IDs of the processes whose parent is this one, from `/proc/PID/stat`.
  static func childrenOfThisProcess() -> [pid_t] {
    let me = getpid()
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return names.compactMap { name -> pid_t? in
      guard let pid = pid_t(name), pid != me,
        let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
        // The command name, in parentheses, may hold spaces: the fields after it are safe to split.
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      guard fields.count > 1, pid_t(fields[1]) == me else { return nil }
      return pid
    }
  }

  /// Kills every live child group, then exits with 130, on Ctrl-C or SIGTERM.
  public static func killAllOnInterrupt() {
    for signalNumber in [SIGINT, SIGTERM] {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
      source.setEventHandler {
        stopEverything()
        for note in interruptNotes.withLock({ $0 }) { note() }
        FileHandle.standardError.write(
          Data("\ngrader: interrupted; stopped every test it had started.\n".utf8))
        exit(130)
      }
      source.resume()
      // A source that is no longer referenced is cancelled: keep it for the program's life.
      interruptSources.append(source)
    }
  }
}
