#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A destructor for a thread-specific data key: it gets the pointer a thread left in its slot.
///
/// The C library calls it only for a slot that is not `nil`, so the pointer is never `nil`.
public typealias ThreadKeyDestructor = @convention(c) (UnsafeMutableRawPointer) -> Void

/// Makes a thread-specific data key, as `pthread_key_create` does, with one destructor type everywhere.
///
/// `pthread_key_create` declares its destructor's parameter as an optional pointer on Linux (Glibc)
/// and as a non-optional one on macOS (Darwin), so a closure written for one platform does not
/// compile on the other. This function takes the same destructor on both, and returns what
/// `pthread_key_create` returns: 0, or an error number such as `EAGAIN` when no key is left.
///
///     var key = pthread_key_t()
///     let status = createThreadKey(&key) { slot in
///       Unmanaged<AnyObject>.fromOpaque(slot).release()
///     }
///
/// The destructor must capture nothing: C calls it as a plain function pointer.
public func createThreadKey(_ key: inout pthread_key_t, destructor: ThreadKeyDestructor) -> Int32 {
  #if canImport(Glibc)
    // Both are `void (*)(void *)` to C; only Swift's view of the parameter differs.
    let destructor = unsafeBitCast(
      destructor, to: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self)
  #endif
  return pthread_key_create(&key, destructor)
}
