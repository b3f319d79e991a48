/// The error a skeleton throws until you write its body.
///
/// Exercises never call `fatalError`: one trap would end every test in the process, so a
/// skeleton either runs a naive version for you to fix or throws this error.
public enum WorkbookError: Error, Equatable, CustomStringConvertible {
  /// The exercise has a `// TODO:` still to do.
  case notImplemented

  public var description: String {
    switch self {
    case .notImplemented: "not implemented yet: fill in the // TODO: of this exercise"
    }
  }
}
