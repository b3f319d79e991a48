/// The options of one command, read from a parsed command line and then checked as a whole.
///
/// As in swift-argument-parser, reading checks each value on its own and `validate()` checks
/// the combinations, so a combination that makes no sense is an error, never silently ignored.
protocol CommandOptions: Equatable, Sendable {
  /// Reads the options from `arguments`, which hold only options this command takes.
  init(_ arguments: ParsedArguments) throws

  /// Throws a usage error for a combination of options that makes no sense together.
  func validate() throws
}

extension CommandOptions {
  func validate() throws {}
}
