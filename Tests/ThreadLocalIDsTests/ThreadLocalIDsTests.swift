import Foundation
import Synchronization
import Testing
import ThreadLocalIDs
import WorkbookTestSupport

@Suite("Chapter 4 · Thread-local IDs", .timeline)
struct ThreadLocalIDsTests {
  // MARK: ThreadLocal

  @Test("each of N threads reads back only its own value, again and again, while all N are alive")
  func eachThreadSeesItsOwnValue() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...8)
    let values = random.distinctInts(count, in: 1_000...9_999)
    let local = try ThreadLocal<Int>()
    // Two meeting points: every thread has stored its value before any reads it back, and
    // every thread reads it back once more after all the others have read theirs.
    let stored = Rendezvous(parties: count)
    let readBack = Rendezvous(parties: count)
    let reads = Guarded([Int: [Int?]]())
    let allMet = Atomic(true)

    let finished = runOnTestThreads(count) { index in
      var seen = [local.value]
      local.value = values[index]
      seen.append(local.value)
      if !stored.arrive() { allMet.store(false, ordering: .sequentiallyConsistent) }
      seen.append(local.value)
      if !readBack.arrive() { allMet.store(false, ordering: .sequentiallyConsistent) }
      seen.append(local.value)
      reads.withLock { $0[index] = seen }
    }

    #expect(finished, "a thread never finished: does `value` block?")
    let metEachTime = allMet.load(ordering: .sequentiallyConsistent)
    #expect(metEachTime, "the \(count) threads were never alive at once")
    let recorded = reads.withLock { $0 }
    for index in 0..<count {
      let seen = recorded[index] ?? []
      #expect(seen.first == .some(nil), "thread \(index) saw a value before it stored one: \(seen)")
      #expect(
        Array(seen.dropFirst()) == Array(repeating: values[index], count: 3),
        "thread \(index) stored \(values[index]) but read back \(Array(seen.dropFirst()))"
      )
    }
  }

  @Test("a thread that never stored a value reads nil while the other threads hold theirs")
  func untouchedThreadReadsNil() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...6)
    let values = random.distinctInts(count, in: 1_000...9_999)
    let local = try ThreadLocal<Int>()
    let stored = Rendezvous(parties: count + 1)
    let done = Rendezvous(parties: count + 1)
    let observed = Guarded<[Int?]>([])

    // `count` threads store a value; one more thread only looks, while they still hold them.
    let finished = runOnTestThreads(count + 1) { index in
      if index < count {
        local.value = values[index]
        stored.arrive()
        done.arrive()
      } else {
        stored.arrive()
        observed.withLock { $0.append(local.value) }
        done.arrive()
      }
    }

    #expect(finished, "a thread never finished")
    let seen = observed.withLock { $0 }
    #expect(seen == [nil], "a thread that stored nothing read \(seen), another thread's value")
    #expect(local.value == nil, "the test's own thread read \(String(describing: local.value))")
  }

  @Test("storing a new value, or nil, releases the old value at once")
  func replacingReleasesTheOldValue() throws {
    var random = WorkbookRandom()
    let first = random.int(in: 1_000...4_999)
    let second = random.int(in: 5_000...9_999)
    let local = try ThreadLocal<Tracked>()
    let counter = DeinitCounter()

    let checks = try onTestThread { () -> [String] in
      var failures: [String] = []
      local.value = Tracked(first, counter: counter)
      if local.value?.tag != first {
        failures.append("read back \(String(describing: local.value?.tag)), not \(first)")
      }
      if counter.count != 0 { failures.append("the value was released while still stored") }
      local.value = Tracked(second, counter: counter)
      if counter.count != 1 { failures.append("replacing it released \(counter.count) value(s), not 1") }
      if local.value?.tag != second {
        failures.append("read back \(String(describing: local.value?.tag)), not \(second)")
      }
      local.value = nil
      if counter.count != 2 { failures.append("storing nil did not release the value") }
      if local.value != nil { failures.append("storing nil left a value behind") }
      return failures
    }

    #expect(checks.isEmpty, "\(checks.joined(separator: "; "))")
  }

  @Test("each thread's value is released when that thread ends, and not before")
  func valuesAreReleasedWhenTheirThreadEnds() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 2...6)
    let local = try ThreadLocal<Tracked>()
    let counter = DeinitCounter()
    let stored = Rendezvous(parties: count)
    let checked = Rendezvous(parties: count)
    let releasedEarly = Atomic(0)

    let finished = runOnTestThreads(count) { index in
      local.value = Tracked(index, counter: counter)
      stored.arrive()
      // Every thread has stored its value and none has ended yet: nothing may be released.
      releasedEarly.add(counter.count, ordering: .sequentiallyConsistent)
      checked.arrive()
      // The thread ends here with its value still stored.
    }

    #expect(finished, "a thread never finished")
    let early = releasedEarly.load(ordering: .sequentiallyConsistent)
    #expect(
      early == 0,
      "values were released while their threads were still alive: does the slot keep them retained?"
    )
    // The C library runs the key's destructor after the thread's body has returned, so the
    // test waits for the releases themselves instead of for the threads.
    let allReleased = withExtendedLifetime(local) { counter.wait(until: count) }
    #expect(allReleased, "only \(counter.count) of \(count) values were released after their threads ended")
  }

  @Test("dropping a ThreadLocal releases the value the dropping thread had stored in it")
  func droppingTheVariableReleasesThisThreadsValue() throws {
    let counter = DeinitCounter()

    let releasedBeforeThreadEnded = try onTestThread { () -> Int in
      do {
        let local = try ThreadLocal<Tracked>()
        local.value = Tracked(1, counter: counter)
      }
      // The variable is gone but this thread is still alive, so only `deinit` can have
      // released the value.
      return counter.count
    }

    #expect(releasedBeforeThreadEnded == 1, "the value outlived its ThreadLocal: does deinit release it?")
  }

  // MARK: ThreadIDs

  @Test("N live threads get the IDs 1…N, one each, and keep them on every read")
  func liveThreadsGetDistinctStableIDs() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...8)
    let ids = try ThreadIDs()
    let firstRead = Rendezvous(parties: count)
    let secondRead = Rendezvous(parties: count)
    let reads = Guarded([Int: [Int]]())

    let finished = runOnTestThreads(count) { index in
      var seen = [ids.current]
      firstRead.arrive()
      seen.append(ids.current)
      secondRead.arrive()
      seen.append(ids.current)
      reads.withLock { $0[index] = seen }
    }

    #expect(finished, "a thread never finished")
    let recorded = reads.withLock { $0 }
    #expect(recorded.count == count, "only \(recorded.count) of \(count) threads reported")
    for (index, seen) in recorded.sorted(by: { $0.key < $1.key }) {
      #expect(Set(seen).count == 1, "thread \(index)'s ID changed between reads: \(seen)")
    }
    let firstIDs = recorded.values.compactMap(\.first)
    #expect(
      firstIDs.sorted() == Array(1...count),
      "\(count) threads alive at once got IDs \(firstIDs.sorted()), not 1…\(count) one each"
    )
  }

  @Test("a thread started after others have ended gets a new ID, never one of theirs")
  func idsAreNeverReused() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...6)
    let ids = try ThreadIDs()
    var seen: [Int] = []

    // One thread at a time: each has finished before the next starts, so the C library is
    // free to give the next one the same stack, and the same `pthread_t`.
    for _ in 0..<count {
      seen.append(try onTestThread { ids.current })
    }

    #expect(seen == Array(1...count), "threads started one after another got IDs \(seen)")
  }

  // MARK: Task-locals

  @Test("concurrent requests each see their own ID, in the request and in its async let and group children")
  func childTasksInheritTheRequestID() async throws {
    var random = WorkbookRandom()
    let requestIDs = random.distinctInts(random.int(in: 2...5), in: 1_000...9_999)

    let seenByRequest = try await withThrowingTaskGroup(of: (Int, [Int?]).self) { requests in
      for requestID in requestIDs {
        requests.addTask {
          let seen = try await withRequest(id: requestID) { () -> [Int?] in
            async let fromAsyncLet = Request.id
            let fromGroup = await withTaskGroup(of: Int?.self) { children in
              for _ in 0..<3 {
                children.addTask { Request.id }
              }
              return await children.reduce(into: [Int?]()) { $0.append($1) }
            }
            return [Request.id, await fromAsyncLet] + fromGroup
          }
          return (requestID, seen)
        }
      }
      return try await requests.reduce(into: [Int: [Int?]]()) { $0[$1.0] = $1.1 }
    }

    #expect(seenByRequest.count == requestIDs.count, "not every request finished")
    for requestID in requestIDs {
      let seen = seenByRequest[requestID] ?? []
      #expect(
        seen == Array(repeating: requestID, count: 5),
        "request \(requestID) and its children saw \(seen)"
      )
    }
    #expect(Request.id == nil, "Request.id is still bound after every request has ended")
  }

  @Test("a Task {} started in a request inherits its ID; a detached task starts without one")
  func unstructuredTasksInheritDetachedDoNot() async throws {
    var random = WorkbookRandom()
    let requestID = random.int(in: 1_000...9_999)

    let (inherited, detached) = try await withRequest(id: requestID) {
      (await Task { Request.id }.value, await Task.detached { Request.id }.value)
    }

    #expect(inherited == requestID, "Task {} saw \(String(describing: inherited)), not \(requestID)")
    #expect(detached == nil, "Task.detached saw \(String(describing: detached)), but should start empty")
  }

  @Test("detachedInCurrentRequest(_:) carries the request's ID, and only that, into a detached task")
  func detachedInCurrentRequestCarriesOnlyTheID() async throws {
    var random = WorkbookRandom()
    let requestID = random.int(in: 1_000...9_999)

    let (id, label) = try await withRequest(id: requestID) {
      await Marker.$label.withValue("caller's own task-local") {
        await detachedInCurrentRequest { (Request.id, Marker.label) }.value
      }
    }
    let outside = await detachedInCurrentRequest { Request.id }.value

    #expect(id == requestID, "the detached task saw request \(String(describing: id)), not \(requestID)")
    #expect(label == nil, "the task inherited another task-local too: is it really detached?")
    #expect(
      outside == nil, "outside any request, the detached task saw request \(String(describing: outside))")
  }

  @Test("a nested request binds its ID for its own scope, and the outer ID comes back even when it throws")
  func nestedRequestsRestoreTheOuterID() async throws {
    var random = WorkbookRandom()
    let outer = random.int(in: 1_000...4_999)
    let inner = random.int(in: 5_000...9_999)

    let seen = try await withRequest(id: outer) { () -> [Int?] in
      var seen = [Request.id]
      seen.append(try await withRequest(id: inner) { Request.id })
      seen.append(Request.id)
      do {
        _ = try await withRequest(id: inner) { () -> Int in throw RequestFailed() }
      } catch is RequestFailed {
        seen.append(Request.id)
      }
      return seen
    }

    #expect(seen == [outer, inner, outer, outer], "inside the outer request, Request.id read \(seen)")
    #expect(Request.id == nil, "Request.id is still \(String(describing: Request.id)) after the request")
  }
}

// MARK: - Fixtures

/// Counts how many `Tracked` objects have been released, and lets a test wait for a number.
// `@unchecked Sendable`: `released` is read and written only while `condition` is locked.
private final class DeinitCounter: @unchecked Sendable {
  private let condition = NSCondition()
  private var released = 0

  func increment() {
    condition.lock()
    released += 1
    condition.broadcast()
    condition.unlock()
  }

  var count: Int {
    condition.lock()
    defer { condition.unlock() }
    return released
  }

  /// Waits until `expected` objects have been released; `false` if the deadline passed first.
  func wait(until expected: Int) -> Bool {
    let limit = Date(timeIntervalSinceNow: Liveness.deadline.timeInterval)
    condition.lock()
    defer { condition.unlock() }
    while released < expected {
      if !condition.wait(until: limit) { return released >= expected }
    }
    return true
  }
}

/// An object that tells its counter when it is released.
private final class Tracked {
  let tag: Int
  private let counter: DeinitCounter

  init(_ tag: Int, counter: DeinitCounter) {
    self.tag = tag
    self.counter = counter
  }

  deinit { counter.increment() }
}

/// A task-local of the test's own, to check that a detached task leaves it behind.
private enum Marker {
  @TaskLocal static var label: String?
}

private struct RequestFailed: Error {}

/// Runs `body` on a new thread of the test's own, waits for it, and returns or rethrows its result.
private func onTestThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
  let outcome = Guarded<Result<T, any Error>?>(nil)
  let finished = runOnTestThreads(1) { _ in
    let result = Result { try body() }
    outcome.withLock { $0 = result }
  }
  guard finished, let result = outcome.withLock({ $0 }) else {
    throw ThreadNeverFinished()
  }
  return try result.get()
}

private struct ThreadNeverFinished: Error, CustomStringConvertible {
  var description: String { "the test's thread did not finish by the deadline" }
}

extension WorkbookRandom {
  /// `count` different integers from `range`, in random order.
  fileprivate mutating func distinctInts(_ count: Int, in range: ClosedRange<Int>) -> [Int] {
    var chosen: [Int] = []
    while chosen.count < count {
      let candidate = int(in: range)
      if !chosen.contains(candidate) { chosen.append(candidate) }
    }
    return chosen
  }
}
