import Foundation
import Synchronization
import Testing
import ThreadLocalIDs
import WorkbookTestSupport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// `.serialized`: one test uses up every key of the process for a moment, and no other test of
// the chapter may need one then.
@Suite("Chapter 4 · Thread-local IDs", .timeline, .serialized)
struct ThreadLocalIDsTests {
  // MARK: ThreadLocal

  // R04.1, R04.2
  @Test("each of N threads reads back only its own value, again and again, while all N are alive")
  func eachThreadSeesItsOwnValue() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...8)
    let values = random.distinctInts(count, in: 1_000...9_999)
    let local = try ThreadLocal<Int>()
    // The timeline: a lane a thread, each holding its value from its store on; a read that gives
    // back anything else is marked, with whose value it was.
    let recorder = TraceRecorder.current
    let lanes = Guarded([Int: String]())
    // Two meeting points: every thread has stored its value before any reads it back, and
    // every thread reads it back once more after all the others have read theirs.
    let stored = Rendezvous(parties: count)
    let readBack = Rendezvous(parties: count)
    let reads = Guarded([Int: [Int?]]())
    let allMet = Atomic(true)

    let finished = runOnTestThreads(count) { index in
      let lane = recorder?.threadLane() ?? "thread \(index + 1)"
      lanes.withLock { $0[index] = lane }
      func read() -> Int? {
        let value = local.value
        if value != values[index] {
          recorder?.violation(
            misread(value, by: lane, storing: values[index], values: values, lanes: lanes), lane: lane)
        }
        return value
      }
      var seen = [local.value]
      if let other = seen[0], let owner = values.firstIndex(of: other) {
        let owners = lanes.withLock { $0[owner] } ?? "another thread"
        recorder?.violation("\(lane) read \(other), \(owners)'s value, before it stored its own", lane: lane)
      }
      local.value = values[index]
      recorder?.begin("holding its own value", lane: lane, "\(values[index])")
      defer { recorder?.end("holding its own value", lane: lane) }
      seen.append(read())
      if !stored.arrive() { allMet.store(false, ordering: .sequentiallyConsistent) }
      seen.append(read())
      if !readBack.arrive() { allMet.store(false, ordering: .sequentiallyConsistent) }
      seen.append(read())
      reads.withLock { $0[index] = seen }
    }

    #expect(finished, "a thread never finished: does `value` block?")
    let metEachTime = allMet.load(ordering: .sequentiallyConsistent)
    #expect(metEachTime, "the \(count) threads were never alive at once")
    let recorded = reads.withLock { $0 }
    let named = lanes.withLock { $0 }
    for index in 0..<count {
      let seen = recorded[index] ?? []
      let thread = named[index] ?? "thread \(index + 1)"
      #expect(seen.first == .some(nil), "\(thread) saw a value before it stored one: \(seen)")
      #expect(
        Array(seen.dropFirst()) == Array(repeating: values[index], count: 3),
        "\(thread) stored \(values[index]) but read back \(Array(seen.dropFirst()))"
      )
    }
  }

  // R04.1
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

  // R04.3, R04.4
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

  // R04.5
  @Test("an old value's deinit that reads the variable finds the new value: the slot moves on first")
  func oldValueGoesOnlyAfterTheSlotMovedOn() throws {
    var random = WorkbookRandom()
    let first = random.int(in: 1_000...4_999)
    let second = random.int(in: 5_000...9_999)
    let local = try ThreadLocal<Tracked>()
    let counter = DeinitCounter()

    let seenInDeinit = try onTestThread { () -> [Int?] in
      let seen = Guarded<[Int?]>([])
      local.value = Tracked(first, counter: counter) { seen.withLock { $0.append(local.value?.tag) } }
      local.value = Tracked(second, counter: counter)
      let result = seen.withLock { $0 }
      local.value = nil
      return result
    }

    #expect(
      seenInDeinit == [second],
      "the replaced value's deinit read \(seenInDeinit) from the variable, not the new value \(second): release the old value only after the slot points at the new one"
    )
  }

  // R04.7
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

  // R04.8
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

  // R04.9
  @Test(
    "making and dropping more ThreadLocals than the process has keys never runs out: deinit gives the key back"
  )
  func droppedVariablesGiveTheirKeysBack() {
    var random = WorkbookRandom()
    let rounds = keysPerProcess + random.int(in: 16...64)
    for round in 1...rounds {
      do {
        _ = try ThreadLocal<Int>()
      } catch {
        Issue.record(
          """
          making ThreadLocal number \(round) failed with \(error), though the \(round - 1) before it were all \
          dropped: does deinit give its key back (lesson: "Deleting the key")?
          """)
        return
      }
    }
  }

  // R04.10
  @Test("when the process has no key left, init throws keyCreationFailed with the C library's error")
  func runningOutOfKeysThrows() throws {
    var held: [ThreadLocal<Int>] = []
    var failure: (any Error)?
    // Every key the process has, and a few more: the last ones cannot be made.
    for _ in 0..<(keysPerProcess + 8) {
      do {
        held.append(try ThreadLocal<Int>())
      } catch {
        failure = error
        break
      }
    }
    let made = held.count
    held.removeAll()

    let error = try #require(
      failure,
      "\(made) ThreadLocals were made, more than the \(keysPerProcess) keys a process has, and init never threw: check what pthread_key_create returns"
    )
    #expect(
      error as? ThreadLocalError == .keyCreationFailed(errno: EAGAIN),
      "with no key left, init threw \(error), not keyCreationFailed(errno: EAGAIN)")
  }

  // MARK: ThreadIDs

  // R04.11, R04.12, R04.13, R04.14
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

  // R04.13, R04.15
  @Test("a thread started after others have ended gets a new ID, never one of theirs")
  func idsAreNeverReused() throws {
    var random = WorkbookRandom()
    let count = random.int(in: 3...6)
    let ids = try ThreadIDs()
    var seen: [Int] = []

    // One thread at a time, each joined before the next starts: the C library gives the next
    // thread the stack of the one before, and with it the same `pthread_t`.
    for _ in 0..<count {
      seen.append(try onJoinedThread { ids.current })
    }

    #expect(seen == Array(1...count), "threads started one after another got IDs \(seen)")
  }

  // MARK: Task-locals

  // R04.16
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

  // R04.16
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

  // R04.19, R04.20
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

  // R04.17, R04.18
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

/// What a thread that stored `stored` and read back `value` saw, in words for the timeline.
private func misread(
  _ value: Int?, by lane: String, storing stored: Int, values: [Int], lanes: Guarded<[Int: String]>
) -> String {
  guard let value else {
    return "\(lane) read back nothing, though it had stored \(stored): its value was lost"
  }
  guard let owner = values.firstIndex(of: value), let ownerLane = lanes.withLock({ $0[owner] }) else {
    return "\(lane) read back \(value), though it had stored \(stored)"
  }
  return
    "\(lane) read back \(value), \(ownerLane)'s value, though it had stored \(stored): the threads share one value"
}

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

/// An object that tells its counter when it is released, and can do one more thing then.
private final class Tracked {
  let tag: Int
  private let counter: DeinitCounter
  private let onRelease: (() -> Void)?

  init(_ tag: Int, counter: DeinitCounter, onRelease: (() -> Void)? = nil) {
    self.tag = tag
    self.counter = counter
    self.onRelease = onRelease
  }

  deinit {
    onRelease?()
    counter.increment()
  }
}

/// How many thread-specific data keys a process has (1 024 on Linux).
private let keysPerProcess: Int = {
  let limit = sysconf(Int32(_SC_THREAD_KEYS_MAX))
  return limit > 0 ? limit : 1_024
}()

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

/// What a joined thread runs: a class, so a retained pointer can carry it across `pthread_create`.
// `@unchecked Sendable`: `run` is a constant, and the class itself only carries it.
private final class JoinedThreadJob: @unchecked Sendable {
  let run: @Sendable () -> Void
  init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Runs `body` on a new POSIX thread, joins it, and returns what `body` returned.
///
/// Once this returns, the thread is gone for good, and the C library keeps its stack for the next
/// thread of the same size: that thread gets the same `pthread_t`. (A `Thread` is never joined, so
/// its stack may still be in use when the next one starts.)

private func onJoinedThread<T: Sendable>(_ body: @escaping @Sendable () -> T) throws -> T {
  let outcome = Guarded<T?>(nil)
  let done = DispatchSemaphore(value: 0)
  let job = Unmanaged.passRetained(
    JoinedThreadJob {
      outcome.withLock { $0 = body() }
      done.signal()
    }
  ).toOpaque()
  var attributes = pthread_attr_t()
  pthread_attr_init(&attributes)
  defer { pthread_attr_destroy(&attributes) }
  // A size no other thread of the process asks for, so no other thread takes the cached stack.
  pthread_attr_setstacksize(&attributes, 320 * 1_024)
  #if os(Linux)
    var thread = pthread_t()
  #else
    var thread: pthread_t?
  #endif
  let status = pthread_create(
    &thread, &attributes,
    { context in
      let context: UnsafeMutableRawPointer? = context
      Unmanaged<JoinedThreadJob>.fromOpaque(context!).takeRetainedValue().run()
      return nil
    }, job)
  guard status == 0 else {
    Unmanaged<JoinedThreadJob>.fromOpaque(job).release()
    throw ThreadNeverFinished()
  }
  // A thread stuck in `body` is left behind, as `runOnTestThreads` leaves it: the test fails.
  guard done.wait(timeout: .now() + Liveness.deadline.timeInterval) == .success,
    let result = outcome.withLock({ $0 })
  else { throw ThreadNeverFinished() }
  #if os(Linux)
    pthread_join(thread, nil)
  #else
    pthread_join(thread!, nil)
  #endif
  return result
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
