#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The calling thread's `pthread_t` as a number, to tell threads that are alive at once apart.
///
/// A finished thread's number may be reused, so compare only threads known to overlap.
public func currentThread() -> UInt {
  #if canImport(Darwin)
    UInt(bitPattern: pthread_self())
  #else
    UInt(pthread_self())
  #endif
}
