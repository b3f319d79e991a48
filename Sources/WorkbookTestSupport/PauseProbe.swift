import Foundation
import Synchronization
import WorkbookCore
import WorkbookSupport

extension Pause {
  /// A pause long enough that, without a lock, other threads read the shared value during it.
  ///
  /// Fifty microseconds of sleep is a lifetime for a thread: lock-free code that reads, pauses
  /// and writes loses updates every run, yet a test of a few hundred locked updates stays fast.
  public static let raceWindow = Pause.sleep(microseconds: 50)
}

/// A pause, like `Pause.raceWindow`, that counts how many threads are inside it at once.
///
/// Give its `pause` to code that pauses between reading shared state and writing it back. If
/// that code holds a lock across the pause, no two threads are ever inside together and
/// `maximumInside` stays 1; without the lock, threads started together overlap in the pause
/// on every run. That proves mutual exclusion by counting, not by timing.
///
///     let probe = PauseProbe()
///     let counter = Counter(pause: probe.pause)
///     // … increment from several threads …
///     #expect(probe.maximumInside == 1)
public final class PauseProbe: Sendable {
  private let microseconds: UInt32
  private let inside = Atomic(0)
  private let maximum = Atomic(0)
  private let entryCount = Atomic(0)
  /// The test's timeline: each thread's time inside the pause, and the bound of one at a time.
  private let recorder = TraceRecorder.current

  /// The category of a thread's time inside the pause in a timeline.
  public static let category = "between read and write"

  /// How long the first thread inside the pause waits there for a second one, if it does.
  private let firstWaitsForSecond: Duration?
  /// Wakes the first thread inside when another one comes in.
  private let arrivals = NSCondition()

  /// A probe whose pause sleeps for `microseconds`.
  ///
  /// With `firstWaitsForSecond`, the first thread to enter the pause stays in it until a second
  /// thread is inside too, or that long: unguarded code then has two threads inside in every run,
  /// also on a busy machine whose scheduler would run the threads one after another, while a
  /// lock that keeps them out costs that wait once.
  public init(microseconds: UInt32 = 50, firstWaitsForSecond: Duration? = nil) {
    self.microseconds = microseconds
    self.firstWaitsForSecond = firstWaitsForSecond
    recorder?.bound(
      TraceBound(
        .atMost, 1, of: Self.category, enters: "read the shared value", state: "between read and write",
        consequence: "{others}'s update is lost"))
  }

  /// The pause to give the code under test.
  public var pause: Pause {
    Pause { [self] in
      let lane = recorder?.threadLane()
      if let lane { recorder?.begin(Self.category, lane: lane) }
      defer { if let lane { recorder?.end(Self.category, lane: lane) } }
      let isFirst = entryCount.add(1, ordering: .sequentiallyConsistent).oldValue == 0
      let now = inside.add(1, ordering: .sequentiallyConsistent).newValue
      var seen = maximum.load(ordering: .sequentiallyConsistent)
      while now > seen {
        let (exchanged, original) = maximum.compareExchange(
          expected: seen, desired: now, ordering: .sequentiallyConsistent)
        if exchanged { break }
        seen = original
      }
      if let wait = firstWaitsForSecond {
        arrivals.lock()
        arrivals.broadcast()
        if isFirst {
          let limit = Date(timeIntervalSinceNow: wait.timeInterval)
          while inside.load(ordering: .sequentiallyConsistent) < 2 && arrivals.wait(until: limit) {}
        }
        arrivals.unlock()
      }
      usleep(microseconds)
      inside.subtract(1, ordering: .sequentiallyConsistent)
    }
  }

  /// The most threads that were inside the pause at one time.
  public var maximumInside: Int { maximum.load(ordering: .sequentiallyConsistent) }

  /// How many times the pause has run.
  public var entries: Int { entryCount.load(ordering: .sequentiallyConsistent) }
}

/// A pause that holds a change halfway done until the test lets it go, so the test can read meanwhile.
///
/// A reader of state that a lock guards must wait while a change is inside its pause; one that
/// reads without the lock returns at once, with the value from before the change.
///
///     let halfway = HalfwayPause()
///     let counter = Counter(pause: halfway.pause)
///     let adding = BackgroundCall { counter.increment() }
///     halfway.waitUntilInside()
///     let reading = BackgroundCall { counter.value }
///     #expect(reading.watchWhileWaiting() == .blocked)
///     halfway.letGo()
public final class HalfwayPause: Sendable {
  private let entered = DispatchSemaphore(value: 0)
  private let gate = DispatchSemaphore(value: 0)

  /// A pause that holds every change inside it until `letGo()`.
  public init() {}

  /// The pause to give the code under test.
  public var pause: Pause {
    Pause { [self] in
      entered.signal()
      // The test always lets it go; the limit only keeps a lost thread from living forever.
      _ = gate.wait(timeout: .now() + Liveness.deadline.timeInterval)
    }
  }

  /// Waits until a change is inside the pause; `false` if none came by the deadline.
  public func waitUntilInside() -> Bool {
    entered.wait(timeout: .now() + Liveness.deadline.timeInterval) == .success
  }

  /// Lets the change inside the pause finish.
  public func letGo() {
    gate.signal()
  }
}
