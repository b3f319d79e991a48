import Escapees
import FaultSupport
import Testing

@Suite("Escapees chapter")
struct EscapeesTests {
  @Test("sleepers leave the process group in every way, and are never waited for")
  func escape() {
    ProcessLog.recordSuite("Escapees")
    let pids = startEscapees(count: 3)
    for pid in pids {
      ProcessLog.recordChild(pid, of: "Escapees")
    }
    #expect(pids.count == 9)
  }
}
