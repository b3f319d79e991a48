import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A thread's CPU time, wake-ups and sleep, read by another thread: how a test tells blocking from spinning.
///
/// Make one on the thread to watch, then read it from the test's thread. A thread blocked on a lock,
/// a condition or a group sleeps in the kernel, uses no CPU and never wakes until it is woken; a
/// thread that spins burns CPU, and one that polls wakes again and again. Counting CPU time and
/// wake-ups is instrumentation, not timing: a blocked thread shows none, however long you look.
/// On Linux it reads `/proc` and the thread's CPU clock; elsewhere every reading is `nil`.
///
///     // on the thread to watch:
///     let activity = ThreadActivity.current()
///     // on the test's thread:
///     let used = activity.cpuTime   // 0.3 ms while it is blocked, growing while it spins
public struct ThreadActivity: Sendable {
  #if os(Linux)
    private let taskFolder: String?
    private let clock: clockid_t?
  #endif

  /// The activity of the calling thread, to read from any thread while it is alive.
  public static func current() -> ThreadActivity {
    ThreadActivity()
  }

  private init() {
    #if os(Linux)
      // `/proc/thread-self` links to `PID/task/TID`, the calling thread's own folder.
      let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")
      taskFolder = link.map { "/proc/" + $0 }
      var id = clockid_t()
      clock = pthread_getcpuclockid(pthread_self(), &id) == 0 ? id : nil
    #endif
  }

  /// The CPU time the thread has used so far; `nil` where it can't be read.
  public var cpuTime: Duration? {
    #if os(Linux)
      guard let clock else { return nil }
      var time = timespec()
      guard clock_gettime(clock, &time) == 0 else { return nil }
      return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    #else
      return nil
    #endif
  }

  /// How many times the thread went to sleep of its own accord and was woken; `nil` where unknown.
  public var wakeUps: Int? {
    #if os(Linux)
      guard let status = read("status") else { return nil }
      let line = status.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches:") }
      return line.flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
    #else
      return nil
    #endif
  }

  /// Whether the thread sleeps in the kernel right now (state S or D); `nil` where unknown.
  public var isAsleep: Bool? {
    #if os(Linux)
      // `stat` is `tid (name) S …`: the state follows the last `)`, since the name may hold one.
      guard let stat = read("stat"), let close = stat.lastIndex(of: ")") else { return nil }
      let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
      return state == "S" || state == "D"
    #else
      return nil
    #endif
  }

  #if os(Linux)
    private func read(_ file: String) -> String? {
      guard let taskFolder else { return nil }
      return try? String(contentsOfFile: "\(taskFolder)/\(file)", encoding: .utf8)
    }
  #endif
}

/// How a thread spent the time while a test watched it wait.
public enum WaitingBehaviour: Sendable, Equatable, CustomStringConvertible {
  /// It slept in the kernel without waking, as a thread blocked on a lock, condition or group does.
  case blocked
  /// What it waited in returned while the test watched: it did not wait.
  case returned
  /// It kept a core busy: the CPU time it used while it should have slept.
  case spinning(cpu: Duration)
  /// It slept and woke again and again, checking: how many wake-ups the test saw.
  case polling(wakeUps: Int)
  /// It neither settled into a sleep nor did anything else the test could name by the deadline.
  case undecided

  public var description: String {
    switch self {
    case .blocked: "blocked"
    case .returned: "returned"
    case .spinning(let cpu):
      "kept a core busy (\(Int(cpu.timeInterval * 1000)) ms of CPU) instead of sleeping: a busy-wait loop"
    case .polling(let wakeUps):
      "woke \(wakeUps) times to check instead of sleeping until woken: a polling loop"
    case .undecided: "never settled into a sleep"
    }
  }
}

extension ThreadActivity {
  /// The CPU time a waiting thread may use before it counts as spinning.
  public static let cpuBudget: Duration = .milliseconds(50)
  /// The wake-ups a waiting thread may have before it counts as polling.
  public static let wakeUpBudget = 20
  /// How long a thread must sleep without one wake-up to count as blocked.
  public static let quietPeriod: Duration = .milliseconds(150)

  /// Watches this thread, which should be blocked, until it proves blocked, returns, spins or polls.
  ///
  /// Correct code is `.blocked` once it has slept through `quietPeriod` without waking, which a
  /// blocked thread does however loaded the machine is. A busy-wait loop never sleeps and runs
  /// out of `cpuBudget`; a polling loop runs out of `wakeUpBudget`. `hasReturned` tells whether
  /// the watched call came back. Where `/proc` is missing, it waits `quietPeriod` and says
  /// `.blocked` unless the call returned.
  public func watchWhileWaiting(
    deadline: Duration = Liveness.deadline, hasReturned: () -> Bool
  ) -> WaitingBehaviour {
    let clock = ContinuousClock()
    let start = clock.now
    let firstCPU = cpuTime
    let firstWakeUps = wakeUps
    var quietSince: (instant: ContinuousClock.Instant, wakeUps: Int?)?
    while clock.now - start < deadline {
      if hasReturned() { return .returned }
      if let firstCPU, let used = cpuTime.map({ $0 - firstCPU }), used > Self.cpuBudget {
        return .spinning(cpu: used)
      }
      let woken = wakeUps
      if let firstWakeUps, let woken, woken - firstWakeUps > Self.wakeUpBudget {
        return .polling(wakeUps: woken - firstWakeUps)
      }
      let asleep = isAsleep ?? true
      if asleep, let quiet = quietSince, quiet.wakeUps == woken {
        if clock.now - quiet.instant >= Self.quietPeriod { return hasReturned() ? .returned : .blocked }
      } else {
        quietSince = asleep ? (clock.now, woken) : nil
      }
      usleep(1_000)
    }
    return hasReturned() ? .returned : .undecided
  }
}

extension ThreadActivity {
  /// The most threads of this process asleep waiting for one and the same lock right now; `nil`
  /// where it can't be read.
  ///
  /// A thread blocked on a lock (`Mutex`, `NSLock`) sleeps in the kernel's `futex` call on the
  /// lock's address, which Linux shows in `/proc/self/task/TID/syscall`. Threads waiting on a
  /// condition or a semaphore sleep in another kind of `futex` wait and are not counted.
  public static func mostThreadsWaitingForOneLock() -> Int? {
    #if os(Linux) && (arch(x86_64) || arch(arm64))
      #if arch(x86_64)
        let futex = "202"
      #else
        let futex = "98"
      #endif
      // The futex operations a lock waits with: FUTEX_WAIT, FUTEX_LOCK_PI and FUTEX_LOCK_PI2,
      // less the "private" (128) and "realtime clock" (256) flags.
      let lockWaits: Set<UInt64> = [0, 6, 13]
      guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else {
        return nil
      }
      var waiters: [String: Int] = [:]
      for task in tasks {
        guard let line = try? String(contentsOfFile: "/proc/self/task/\(task)/syscall", encoding: .utf8)
        else { continue }
        let fields = line.split(separator: " ")
        guard fields.count > 2, fields[0] == futex, let operation = UInt64(fields[2].dropFirst(2), radix: 16),
          lockWaits.contains(operation & ~UInt64(128 | 256))
        else { continue }
        waiters[String(fields[1]), default: 0] += 1
      }
      return waiters.values.max() ?? 0
    #else
      return nil
    #endif
  }
}
