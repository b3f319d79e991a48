import Foundation

extension Demo {
  /// Chapter 4: the guide's thread-local random IDs, then a task-local that follows `await`.
  static let threadLocalIDs = Demo(
    number: "04", title: "Thread-local IDs",
    summary: "three threads write the same thread-local name and each reads back its own value",
    run: runThreadLocalIDs)
}

/// The request a task is serving: the async counterpart of a thread-local.
private enum RequestContext {
  @TaskLocal static var id: Int?
}

private func runThreadLocalIDs() async {
  // Foundation's per-thread dictionary is the shortest thread-local there is; chapter 4 builds a
  // typed one on POSIX thread-specific data instead.
  runThreadsWithLocalIDs()

  print()
  print("Task-locals follow the task, not the thread, across every await:")
  await withTaskGroup(of: Void.self) { group in
    for id in [7, 8] {
      group.addTask {
        await RequestContext.$id.withValue(id) {
          print("Request \(id): RequestContext.id = \(RequestContext.id ?? 0)")
          try? await Task.sleep(for: .milliseconds(200))
          print("Request \(id): after the await, RequestContext.id is still \(RequestContext.id ?? 0)")
        }
      }
    }
  }
  let outside = RequestContext.id.map(String.init) ?? "nil"
  print("Outside both requests: RequestContext.id = \(outside)")
}

/// The guide's example: each thread stores a random ID under one shared name, sleeps, and reads it back.
private func runThreadsWithLocalIDs() {
  runOnThreads(3) { index in
    let local = Thread.current.threadDictionary
    local["random_id"] = Int.random(in: 1_000...9_999)
    print("Thread Thread-\(index): random_id = \(local["random_id"] ?? "none")")
    // The others write the same key meanwhile, each in its own thread's dictionary.
    Thread.sleep(forTimeInterval: 0.5)
    print(
      "Thread Thread-\(index): random_id is still \(Thread.current.threadDictionary["random_id"] ?? "none")")
  }
}
