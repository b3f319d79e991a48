// Mutant: join() busy-waits on a flag (lesson: "asking isFinished in a loop keeps a core busy").
import Foundation
import Synchronization
import WorkbookSupport

/// A thread you can wait for, like Python's `threading.Thread` with its `join()`.
///
/// Foundation's `Thread` can start a body on a new thread, but it has no `join()`: nothing
/// lets you wait until the body has finished. Build that here. `start()` already starts the
/// thread; `join()` must block its caller until the body has returned, for every caller,
/// including one that calls it after the thread has already finished.
///
/// Lesson: README.md, section "Waiting for a thread: join".
public final class JoinableThread: Sendable {
  private let name: String
  private let body: @Sendable () -> Void
  private let finished = Atomic(false)

  /// A thread named `name` that will run `body` once started.
  public init(name: String = "worker", body: @escaping @Sendable () -> Void) {
    self.name = name
    self.body = body
  }

  /// Starts running the body on a new thread and returns at once.
  public func start() {
    let thread = Thread { [self] in
      body()
      finished.store(true, ordering: .releasing)
    }
    thread.name = name
    thread.start()
  }

  /// Blocks the calling thread until the body has finished.
  public func join() {
    // The mutant: asks "done yet?" in a loop, keeping a core busy instead of sleeping.
    while !finished.load(ordering: .acquiring) {}
  }
}
