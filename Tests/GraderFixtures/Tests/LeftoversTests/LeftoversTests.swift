import FaultSupport
import Leftovers
import Testing

@Suite("Leftovers chapter")
struct LeftoversTests {
  @Test("children are started and never waited for")
  func children() {
    ProcessLog.recordSuite("Leftovers")
    let children = startChildrenAndForgetThem(sleepers: 2)
    for child in children {
      ProcessLog.recordChild(child, of: "Leftovers")
    }
    #expect(children.count == 3)
  }

  @Test("a thread is started and never ends")
  func endlessThread() {
    ProcessLog.recordSuite("Leftovers")
    startEndlessThread()
  }
}
