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
  // TODO: store the totals here, in `var`s of the actor.

  /// Statistics with nothing recorded yet.
  public init() {}

  /// Adds `page` to the totals.
  public func record(_ page: Page) {
    // TODO: add the page's bytes and status to the totals.
  }

  /// How many pages were recorded.
  public var pageCount: Int {
    // TODO: answer from the totals, here and in the three members below.
    0
  }

  /// The byte count of every body recorded, added up.
  public var totalBytes: Int {
    0
  }

  /// The byte count of every body recorded for `url`, added up.
  public func bytes(from url: URL) -> Int {
    0
  }

  /// How many of the pages recorded had `status`.
  public func pages(withStatus status: Int) -> Int {
    0
  }
}
