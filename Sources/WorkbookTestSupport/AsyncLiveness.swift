import Foundation

extension Liveness {
  /// The error a test gets when async code it awaits is still running at the deadline: a hang.
  public struct DeadlinePassed: Error, CustomStringConvertible {
    /// How long the test waited.
    public let deadline: Duration

    public var description: String {
      "still running after \(deadline.timeInterval) s: a hang (a deadlock, or a continuation never resumed?)"
    }
  }

  /// Waits for `task` to finish and returns its result, or cancels it and returns `nil` at the deadline.
  ///
  /// Awaiting `task.value` directly would wait forever on code that hangs. Like every deadline
  /// here, this one never decides a passing test: it turns a hang into a failure with a message.
  ///
  ///     let task = Task { try await pool.map(inputs) }
  ///     task.cancel()
  ///     let outcome = await Liveness.result(of: task)   // nil: it never finished
  public static func result<Success: Sendable, Failure: Error>(
    of task: Task<Success, Failure>,
    deadline: Duration = Liveness.deadline
  ) async -> Result<Success, Failure>? {
    let waiter = OneShot<Result<Success, Failure>?>()
    return await withCheckedContinuation { continuation in
      waiter.arm(continuation)
      let timer = Task {
        try? await Task.sleep(for: deadline)
        if waiter.resume(returning: nil) {
          task.cancel()
        }
      }
      Task {
        let result = await task.result
        if waiter.resume(returning: result) {
          timer.cancel()
        }
      }
    }
  }

  /// Runs `body` in a task of its own and returns its value; throws `DeadlinePassed` if it hangs.
  ///
  ///     let results = try await Liveness.value { try await pool.map(inputs) }
  public static func value<Success: Sendable>(
    deadline: Duration = Liveness.deadline,
    of body: @escaping @Sendable () async throws -> Success
  ) async throws -> Success {
    guard let result = await result(of: Task { try await body() }, deadline: deadline) else {
      throw DeadlinePassed(deadline: deadline)
    }
    return try result.get()
  }
}

/// A continuation that the first of several racers resumes; the others find it gone.
// `@unchecked Sendable`: `continuation` is read and written only while `lock` is held.
private final class OneShot<Value: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var continuation: CheckedContinuation<Value, Never>?

  func arm(_ continuation: CheckedContinuation<Value, Never>) {
    lock.lock()
    defer { lock.unlock() }
    self.continuation = continuation
  }

  /// Resumes the continuation if nobody has yet; returns whether this call did.
  func resume(returning value: Value) -> Bool {
    lock.lock()
    let continuation = self.continuation.take()
    lock.unlock()
    guard let continuation else { return false }
    continuation.resume(returning: value)
    return true
  }
}
