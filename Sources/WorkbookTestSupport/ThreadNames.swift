import Foundation

/// Gives the calling thread `name` for the system (`/proc`'s `comm`, at most 15 bytes on Linux).
///
/// A thread the named thread starts carries the same name until it takes one of its own, so
/// `threadsNamed(_:)` then counts the threads that code under test started from it.
public func nameCurrentThread(_ name: String) {
  #if os(Linux)
    // Glibc's `pthread_setname_np` is not visible to Swift; the kernel takes the name here too.
    let shortened = String(name.utf8.prefix(15))!
    try? shortened.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
  #else
    Thread.current.name = name
  #endif
}

/// How many live threads of the process the system knows by `name`; `nil` where it can't tell.
///
/// Linux keeps each thread's name in `/proc/self/task/TID/comm`; elsewhere this is `nil`.
public func threadsNamed(_ name: String) -> Int? {
  #if os(Linux)
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else {
      return nil
    }
    let wanted = String(name.utf8.prefix(15))!
    return tasks.count(where: { task in
      let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
      return comm?.trimmingCharacters(in: .newlines) == wanted
    })
  #else
    return nil
  #endif
}
