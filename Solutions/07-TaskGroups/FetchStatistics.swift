import Foundation
import TaskGroupsGiven

/// Totals of the pages that many tasks fetched, kept by an actor: each task sends its page
/// here, and the actor adds the pages up one message at a time.
///
/// `record(_:)` adds one page: its body's byte count to the total and to its URL's total, and
/// one to the count of its status. Many tasks call it at once, and the totals must come out
/// exact. Keep them in the actor's stored properties, with no lock and no `Mutex`: an actor runs
/// one call at a time, like a Web Worker handling one `postMessage` at a time.
///
/// Lesson: README.md, section "An actor instead of a lock".
public actor FetchStatistics {
  // Plain `var`s are safe here: only the actor's own code touches them, and it runs one call
  // at a time, so every read-modify-write below is whole.
  private var bytesByURL: [URL: Int] = [:]
  private var pagesByStatus: [Int: Int] = [:]
  private var recordedPages = 0
  private var recordedBytes = 0

  /// Statistics with nothing recorded yet.
  public init() {}

  /// Adds `page` to the totals.
  public func record(_ page: Page) {
    // No `await` in here, so no other call can run in the middle of this one.
    recordedPages += 1
    recordedBytes += page.body.count
    bytesByURL[page.url, default: 0] += page.body.count
    pagesByStatus[page.status, default: 0] += 1
  }

  /// How many pages were recorded.
  public var pageCount: Int {
    // Reads are isolated too: callers `await` them, so they never see a half-made update.
    recordedPages
  }

  /// The byte count of every body recorded, added up.
  public var totalBytes: Int {
    recordedBytes
  }

  /// The byte count of every body recorded for `url`, added up.
  public func bytes(from url: URL) -> Int {
    bytesByURL[url, default: 0]
  }

  /// How many of the pages recorded had `status`.
  public func pages(withStatus status: Int) -> Int {
    pagesByStatus[status, default: 0]
  }
}
