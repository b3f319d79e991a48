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

  /// A thread named `name` that will run `body` once started.
  public init(name: String = "worker", body: @escaping @Sendable () -> Void) {
    self.name = name
    self.body = body
  }

  /// Starts running the body on a new thread and returns at once.
  public func start() {
    // TODO: make it possible for `join()` to learn that the body has finished, and make sure it
    // already counts as unfinished when `start()` returns, before the new thread has run at all.
    let thread = Thread { [body] in
      body()
    }
    thread.name = name
    thread.start()
  }

  /// Blocks the calling thread until the body has finished.
  public func join() {
    // TODO: wait here until the body has returned. Several threads may call `join()` at
    // once, and a call after the body has finished must return at once.
  }
}
