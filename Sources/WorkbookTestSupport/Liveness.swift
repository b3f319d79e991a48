import Foundation
// Tests reach the workbook's shared basics (`SplitMix64`, `Duration.timeInterval`) through this one import.
@_exported import WorkbookCore

/// How long a test waits for something that must happen before it calls it a hang.
///
/// These deadlines never decide a passing test: correct code reaches every rendezvous and
/// finishes every thread long before them, even on a loaded machine. They only turn a
/// deadlock or a missing thread into a failure with a message instead of a grader timeout.
public enum Liveness {
  /// The deadline for threads that should meet or finish.
  public static let deadline: Duration = .seconds(10)
}
