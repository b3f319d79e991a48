// Mutant: enter() inside the thread (lesson: "The count must go up before the thread exists").
import Foundation
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
  // A `DispatchGroup` stays "done" once its count is back to zero, so every `wait()` returns:
  // the ones blocked before the body finished and the ones that come after. A semaphore
  // would wake one waiter only, and leave a second joiner blocked forever.
  private let finished = DispatchGroup()

  /// A thread named `name` that will run `body` once started.
  public init(name: String = "worker", body: @escaping @Sendable () -> Void) {
    self.name = name
    self.body = body
  }

  /// Starts running the body on a new thread and returns at once.
  public func start() {
    let thread = Thread { [body, finished] in
      // The mutant: the count goes up only once the new thread runs, so a `join()` right after
      // `start()` may find it still at zero.
      finished.enter()
      body()
      finished.leave()
    }
    thread.name = name
    thread.start()
  }

  /// Blocks the calling thread until the body has finished.
  public func join() {
    // Waiting on the group blocks until `leave()` has balanced `enter()`; once it has, every
    // later wait returns at once.
    finished.wait()
  }
}
