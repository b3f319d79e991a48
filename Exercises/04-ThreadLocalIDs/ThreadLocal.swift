import ThreadLocalIDsGiven
import WorkbookSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A variable with a separate value for every thread, like Python's `threading.local()`.
///
/// Build it on POSIX thread-specific data. `init()` creates a `pthread_key_t` with a destructor;
/// `value` reads and writes the calling thread's slot for that key. Each slot holds a retained
/// box around the value, so the value lives exactly as long as the slot points at it: replacing
/// or clearing the value releases the old one at once, and when a thread ends, the destructor
/// releases whatever that thread still holds. Dropping the `ThreadLocal` releases the value of
/// the thread that drops it and deletes the key; values other threads still hold are leaked, so
/// keep a `ThreadLocal` for as long as threads use it (a `static let` is the usual home).
///
///     let requestID = try ThreadLocal<Int>()
///     requestID.value = 7      // only this thread sees 7
///     requestID.value          // 7 here, nil on every other thread
///
/// Lesson: README.md, section "A key per variable: thread-specific data".
// `@unchecked Sendable`: the only stored property is the key, which never changes; every value
// lives in the slot of the thread that stored it and never leaves that thread, so no value is
// ever shared, whatever `Value` is.
public final class ThreadLocal<Value>: @unchecked Sendable {
  /// The box a slot points at: a class, so `Unmanaged` can keep it alive without Swift's help.
  private final class Box {
    let value: Value
    init(_ value: Value) { self.value = value }
  }

  private let key: pthread_key_t

  /// A new thread-local variable, `nil` on every thread until a thread stores a value.
  ///
  /// Throws `ThreadLocalError.keyCreationFailed` when the process has run out of keys.
  public init() throws {
    // TODO: get a key for this variable whose values are released when their thread ends (the
    // given `createThreadKey` makes one the same way on Linux and macOS); throw
    // `ThreadLocalError.keyCreationFailed` if the C library refuses.
    throw WorkbookError.notImplemented
  }

  deinit {
    // TODO: give the key back without leaking the value the calling thread still holds (lesson:
    // "Deleting the key").
  }

  /// The calling thread's value, or `nil` if this thread has not stored one.
  ///
  /// Storing a value, or `nil`, releases the value this thread stored before.
  public var value: Value? {
    get {
      // TODO: this thread's value, or `nil` if it stored none; reading changes nothing about who
      // owns the value.
      nil
    }
    set {
      // TODO: store `newValue` (or nothing, for `nil`) in this thread's slot, without leaking the
      // value it held before (lesson: "Who owns the value").
    }
  }
}

/// Why a `ThreadLocal` could not be made.
public enum ThreadLocalError: Error, Equatable {
  /// `pthread_key_create` failed with this error number; `EAGAIN` means the process has no keys left.
  case keyCreationFailed(errno: Int32)
}
