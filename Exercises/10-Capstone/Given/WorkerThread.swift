// Given: the chapter hands you this code as the module `CapstoneGiven`, which your exercise
// and the tests import. You need not change it.

import Foundation
import Synchronization

// GIVEN: this file is part of the chapter, not of the exercise. You don't need to change it.
// It is chapter 1's `JoinableThread`, finished, with a census that the tests read to see that
// every thread the pipeline started has also finished.

/// A count of the threads a program started and of those whose body has returned.
///
/// Every `WorkerThread` reports to the census it was made with. When a program has joined all of
/// its threads, `finished` equals `started`; a thread still blocked somewhere keeps them apart.
public final class ThreadCensus: Sendable {
  private let startedCount = Atomic(0)
  private let finishedCount = Atomic(0)

  /// A census that has counted nothing yet.
  public init() {}

  /// How many threads have been started.
  public var started: Int { startedCount.load(ordering: .sequentiallyConsistent) }

  /// How many threads have finished their body.
  public var finished: Int { finishedCount.load(ordering: .sequentiallyConsistent) }

  func noteStarted() { startedCount.add(1, ordering: .sequentiallyConsistent) }
  func noteFinished() { finishedCount.add(1, ordering: .sequentiallyConsistent) }
}

/// A thread you can join, like chapter 1's `JoinableThread`, that reports to a census.
///
///     let census = ThreadCensus()
///     let worker = WorkerThread(name: "worker", census: census) { print("working") }
///     worker.start()
///     worker.join()   // census.started == 1, census.finished == 1
public final class WorkerThread: Sendable {
  private let name: String
  private let census: ThreadCensus
  private let body: @Sendable () -> Void
  private let finished = DispatchGroup()

  /// A thread named `name` that will run `body` once started, and report to `census`.
  public init(name: String, census: ThreadCensus, body: @escaping @Sendable () -> Void) {
    self.name = name
    self.census = census
    self.body = body
  }

  /// Starts running the body on a new thread and returns at once.
  public func start() {
    finished.enter()
    census.noteStarted()
    let thread = Thread { [body, census, finished] in
      body()
      census.noteFinished()
      finished.leave()
    }
    thread.name = name
    thread.stackSize = 1 << 20
    thread.start()
  }

  /// Blocks the calling thread until the body has finished.
  public func join() {
    finished.wait()
  }
}
