import Foundation
import Synchronization
import Testing

@testable import GraderKit

@Suite("Grader · build progress")
struct BuildProgressTests {
  @Test("SwiftPM's step lines show on one terminal line, rewritten in place, and erased at the end")
  func oneLine() {
    let written = Mutex<[String]>([])
    let progress = BuildProgress(width: 20) { text in written.withLock { $0.append(text) } }
    progress.consume(ArraySlice("Building for debugging...\n[1/3] Compiling Threads Workers.swift\n[2/".utf8))
    progress.consume(ArraySlice("3] Compiling Counter\nwarning: unused\n".utf8))
    progress.finish()
    let erase = "\r\u{1B}[K"
    #expect(
      written.withLock { $0 } == [
        erase + "  [1/3] Compiling Thre", erase + "  [2/3] Compiling Coun", erase,
      ])
  }

  @Test("a build that prints no step shows nothing and erases nothing")
  func silent() {
    let written = Mutex<[String]>([])
    let progress = BuildProgress { text in written.withLock { $0.append(text) } }
    progress.consume(ArraySlice("Building for debugging...\n".utf8))
    progress.finish()
    #expect(written.withLock { $0 }.isEmpty)
  }
}
