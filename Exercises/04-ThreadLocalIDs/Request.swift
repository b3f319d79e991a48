import WorkbookSupport

/// The request the current task works for: the async counterpart of a thread-local ID.
///
/// In async code a task can resume on a different thread after every `await`, so a thread-local
/// would lose the value. A task-local belongs to the task instead: it is bound for the length of
/// a closure with `$id.withValue(_:operation:)`, and child tasks (`async let`, task groups,
/// `Task {}`) see the value of the task that started them. A detached task starts with no
/// task-local values at all.
///
/// Lesson: README.md, section "Async code: task-locals".
public enum Request {
  /// The ID of the request the current task works for, or `nil` outside any request.
  @TaskLocal public static var id: Int?
}

/// Runs `operation` as request `id`: it, and every child task it starts, sees `Request.id == id`.
///
/// Bind the task-local for the length of `operation` only. When `operation` returns, or when
/// it throws, `Request.id` is back to what it was before, so nested requests restore the outer
/// one. Throws whatever `operation` throws.
///
///     try await withRequest(id: 42) {
///       async let part = Request.id   // 42: the child task inherits the binding
///       return await part
///     }
///
/// Lesson: README.md, section "Async code: task-locals".
public func withRequest<Result: Sendable>(
  id: Int,
  _ operation: () async throws -> Result
) async throws -> Result {
  // TODO: run `operation` with `Request.id` bound to `id`.
  throw WorkbookError.notImplemented
}

/// Starts `operation` in a detached task that still works for the current request.
///
/// A detached task inherits nothing from the task that starts it: not its priority, not its
/// actor and not its task-local values. Sometimes that is what you want (background work that
/// must not run on the caller's actor or at its priority), yet its log lines should still name
/// the request. Read the ID before detaching and bind it again inside; other task-locals stay
/// behind, as they should.
///
/// Lesson: README.md, section "Detached tasks start empty".
public func detachedInCurrentRequest<Result: Sendable>(
  _ operation: @escaping @Sendable () async -> Result
) -> Task<Result, Never> {
  // TODO: this task starts without `Request.id`. Carry the current request's ID into it.
  Task.detached {
    await operation()
  }
}
