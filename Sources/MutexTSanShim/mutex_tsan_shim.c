// Lets ThreadSanitizer see Synchronization.Mutex lock and unlock on Linux.
//
// Mutex's fast paths (one compare-exchange to lock, one to unlock) are inlined into your code and
// instrumented, so TSan sees them. Its slow paths are not: they live in the uninstrumented
// libswiftSynchronization.so, which spins on a plain `lock cmpxchg` and then asks the kernel
// (futex FUTEX_LOCK_PI / FUTEX_UNLOCK_PI), which hands the lock from the old owner to a waiter.
// TSan sees neither, misses the happens-before edge between one critical section and the next,
// and reports correctly locked accesses as races.
//
// These three functions take the place of the slow paths (same symbols, found first), call the
// real ones, and tell TSan what the lock did: a release on the lock word before a slow unlock, an
// acquire on it after a slow lock or a successful slow try-lock. That is exactly what TSan does
// for pthread_mutex_lock/unlock, so a race that a pthread mutex would not hide stays reported:
// an access outside the lock, or under a different Mutex, gets no edge from this.
#if defined(__linux__) && defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MUTEX_TSAN_SHIM 1
#endif
#endif
#if MUTEX_TSAN_SHIM
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

// Weak: in a process without the TSan runtime they are null and the shim only forwards.
void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));

#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"

// The slow paths are Swift methods of _MutexHandle: swiftcall, with `self` (the address of the
// lock word) in the Swift context register.
#define SELF __attribute__((swift_context)) void *handle
typedef __attribute__((swiftcall)) void (*LockSlow)(uint32_t, SELF);
typedef __attribute__((swiftcall)) bool (*TryLockSlow)(SELF);
typedef __attribute__((swiftcall)) void (*UnlockSlow)(SELF);

static LockSlow realLockSlow;
static TryLockSlow realTryLockSlow;
static UnlockSlow realUnlockSlow;

// The next definition of `name` after this one: libswiftSynchronization's.
static void *real(const char *name) {
  void *function = dlsym(RTLD_NEXT, name);
  if (function == NULL) {
    fprintf(stderr, "mutex_tsan_shim: %s not found\n", name);
    abort();
  }
  return function;
}

__attribute__((swiftcall, visibility("default"))) void lockSlow(uint32_t selfId, SELF)
  __asm__(LOCK_SLOW);
__attribute__((swiftcall, visibility("default"))) void lockSlow(uint32_t selfId, SELF) {
  LockSlow function = __atomic_load_n(&realLockSlow, __ATOMIC_RELAXED);
  if (function == NULL) {
    function = (LockSlow)real(LOCK_SLOW);
    __atomic_store_n(&realLockSlow, function, __ATOMIC_RELAXED);
  }
  function(selfId, handle);
  if (__tsan_acquire) __tsan_acquire(handle);
}

__attribute__((swiftcall, visibility("default"))) bool tryLockSlow(SELF) __asm__(TRY_LOCK_SLOW);
__attribute__((swiftcall, visibility("default"))) bool tryLockSlow(SELF) {
  TryLockSlow function = __atomic_load_n(&realTryLockSlow, __ATOMIC_RELAXED);
  if (function == NULL) {
    function = (TryLockSlow)real(TRY_LOCK_SLOW);
    __atomic_store_n(&realTryLockSlow, function, __ATOMIC_RELAXED);
  }
  bool locked = function(handle);
  if (locked && __tsan_acquire) __tsan_acquire(handle);
  return locked;
}

__attribute__((swiftcall, visibility("default"))) void unlockSlow(SELF) __asm__(UNLOCK_SLOW);
__attribute__((swiftcall, visibility("default"))) void unlockSlow(SELF) {
  UnlockSlow function = __atomic_load_n(&realUnlockSlow, __ATOMIC_RELAXED);
  if (function == NULL) {
    function = (UnlockSlow)real(UNLOCK_SLOW);
    __atomic_store_n(&realUnlockSlow, function, __ATOMIC_RELAXED);
  }
  if (__tsan_release) __tsan_release(handle);
  function(handle);
}

// Resolves the real slow paths once at load time. A process without libswiftSynchronization
// (TSan's llvm-symbolizer inherits LD_PRELOAD) never calls them, so a miss is not an error here;
// but a process that has the library and lacks a symbol gets a warning: the shim is inactive
// there (a renamed slow path in a new toolchain) and correct Mutex code may be reported again.
__attribute__((constructor)) static void resolveRealSlowPaths(void) {
  realLockSlow = (LockSlow)dlsym(RTLD_NEXT, LOCK_SLOW);
  realTryLockSlow = (TryLockSlow)dlsym(RTLD_NEXT, TRY_LOCK_SLOW);
  realUnlockSlow = (UnlockSlow)dlsym(RTLD_NEXT, UNLOCK_SLOW);
  void *library = dlopen("libswiftSynchronization.so", RTLD_LAZY | RTLD_NOLOAD);
  if (library != NULL && (!realLockSlow || !realTryLockSlow || !realUnlockSlow)) {
    fprintf(stderr, "mutex_tsan_shim: Mutex slow paths not found; the shim is inactive\n");
  }
  if (library != NULL) dlclose(library);
}
#endif
