/// How far a suite's test process was kept from everything but its own chapter, strongest first.
///
/// A grade is worth what its isolation is worth: every report and export names it, so an
/// instructor knows whether a hand-in could have reached the tests, the grader or a classmate.
public enum Isolation: String, Codable, Sendable, CaseIterable {
  /// Fresh user, mount, PID, network and IPC namespaces: a read-only workbook without the answer
  /// key, a private scratch folder and `/tmp`, loopback only, and no other process in sight.
  case namespaces
  /// An unprivileged user that can neither write the workbook nor read `Solutions/`.
  case uid
  /// A macOS sandbox profile that denies writes outside the scratch folder and reads of `Solutions/`.
  case profile
  /// None: the suite ran with the grader's own rights.
  case none
}
