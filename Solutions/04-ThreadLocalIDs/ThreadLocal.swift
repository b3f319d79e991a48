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
    var key = pthread_key_t()
    // The destructor captures nothing, so C can call it as a plain function pointer, and it
    // stays valid after this `ThreadLocal` is gone. At thread exit, the C library calls it
    // once for each non-nil slot; it gives back the retain that `value`'s setter took.
    // `createThreadKey` gives it the same type on Linux and macOS, where `pthread_key_create`'s differ.
    let status = createThreadKey(&key) { slot in
      Unmanaged<AnyObject>.fromOpaque(slot).release()
    }
    guard status == 0 else {
      throw ThreadLocalError.keyCreationFailed(errno: status)
    }
    self.key = key
  }

  deinit {
    // After `pthread_key_delete` no destructor runs for this key, so a value still stored
    // would leak: release the calling thread's own value first. Other threads' values are out
    // of reach (a thread can only see its own slot); they leak, as the type's summary warns.
    if let slot = pthread_getspecific(key) {
      pthread_setspecific(key, nil)
      Unmanaged<Box>.fromOpaque(slot).release()
    }
    pthread_key_delete(key)
  }

  /// The calling thread's value, or `nil` if this thread has not stored one.
  ///
  /// Storing a value, or `nil`, releases the value this thread stored before.
  public var value: Value? {
    get {
      // The slot belongs to this thread alone, so nothing can release the box while it is
      // read here: no lock is needed.
      guard let slot = pthread_getspecific(key) else { return nil }
      return Unmanaged<Box>.fromOpaque(slot).takeUnretainedValue().value
    }
    set {
      let oldSlot = pthread_getspecific(key)
      // `passRetained` gives the slot its own strong reference: the box outlives this call and
      // lives until the slot lets go of it, here or in the destructor.
      let newSlot = newValue.map { Unmanaged.passRetained(Box($0)).toOpaque() }
      if pthread_setspecific(key, newSlot) != 0, let newSlot {
        // The C library could not store it (out of memory): drop the box instead of leaking it.
        Unmanaged<Box>.fromOpaque(newSlot).release()
        return
      }
      // Release the old box only after the slot points at the new one, so an old value whose
      // `deinit` reads this variable finds the new value, not a freed box.
      if let oldSlot {
        Unmanaged<Box>.fromOpaque(oldSlot).release()
      }
    }
  }
}

/// Why a `ThreadLocal` could not be made.
public enum ThreadLocalError: Error, Equatable {
  /// `pthread_key_create` failed with this error number; `EAGAIN` means the process has no keys left.
  case keyCreationFailed(errno: Int32)
}
