import Foundation
import Synchronization
import Testing
import WorkbookTestSupport

@testable import GraderKit

@Suite("Grader · running suites side by side")
struct ConcurrentlyTests {
  @Test("every slot runs at once, however few cores the machine has: --jobs 8 means eight suites")
  func everySlotAtOnce() {
    let slots = ProcessInfo.processInfo.activeProcessorCount * 3 + 2
    let rendezvous = Rendezvous(parties: slots)
    let met = Mutex([Int]())
    concurrently(slots) { slot in
      if rendezvous.arrive() { met.withLock { $0.append(slot) } }
    }
    #expect(met.withLock { $0.sorted() } == Array(0..<slots), "slots that never met the others")
  }

  @Test("one slot runs on the caller, and none runs no slot")
  func oneAndNone() {
    let calls = Mutex([Int]())
    concurrently(1) { slot in calls.withLock { $0.append(slot) } }
    concurrently(0) { slot in calls.withLock { $0.append(slot) } }
    #expect(calls.withLock { $0 } == [0])
  }
}
