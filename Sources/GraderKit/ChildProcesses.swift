import Foundation
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
  // Written once, from the main thread, before any signal can arrive.
  private nonisolated(unsafe) static var interruptSources: [any DispatchSourceSignal] = []

  static func register(_ group: pid_t) {
    _ = groups.withLock { $0.insert(group) }
  }

  static func unregister(_ group: pid_t) {
    _ = groups.withLock { $0.remove(group) }
  }

  /// Kills every live child group, then exits with 130, on Ctrl-C or SIGTERM.
  public static func killAllOnInterrupt() {
    for signalNumber in [SIGINT, SIGTERM] {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
      source.setEventHandler {
        for group in groups.withLock({ $0 }) {
          kill(-group, SIGKILL)
        }
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
