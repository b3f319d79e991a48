import Dispatch
import FaultSupport
import LockOrder
import Testing

// Serialized, so the deadlocked test is the only one running at the deadline.
@Suite("Lock order chapter", .serialized)
struct LockOrderTests {
  @Test("a fresh pair of accounts holds 200")
  func fresh() {
    ProcessLog.recordSuite("LockOrder")
    #expect(Accounts().total == 200)
  }

  @Test("two transfers in opposite directions at once")
  func oppositeTransfers() {
    ProcessLog.recordSuite("LockOrder")
    let accounts = Accounts()
    // Each transfer waits, holding its first lock, until the other holds its own: then each
    // asks for the lock the other holds, every time.
    let firstHolds = DispatchSemaphore(value: 0)
    let secondHolds = DispatchSemaphore(value: 0)
    let transfers = DispatchGroup()
    DispatchQueue.global().async(group: transfers) {
      accounts.transfer(10, from: 0, to: 1) {
        firstHolds.signal()
        secondHolds.wait()
      }
    }
    DispatchQueue.global().async(group: transfers) {
      accounts.transfer(10, from: 1, to: 0) {
        secondHolds.signal()
        firstHolds.wait()
      }
    }
    transfers.wait()
    #expect(accounts.total == 200)
  }
}
