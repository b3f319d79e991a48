import FaultSupport
import Relock
import Testing

// Serialized, so the deadlocked test is the only one running at the deadline.
@Suite("Relock chapter", .serialized)
struct RelockTests {
  @Test("add() adds one")
  func addOne() {
    ProcessLog.recordSuite("Relock")
    let counter = Counter()
    counter.add()
    #expect(counter.count == 1)
  }

  @Test("addTwo() takes the lock it holds")
  func addTwo() {
    ProcessLog.recordSuite("Relock")
    let counter = Counter()
    counter.addTwo()
    #expect(counter.count == 2)
  }
}
