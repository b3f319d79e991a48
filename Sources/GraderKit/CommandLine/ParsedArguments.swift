/// A command line split by `Option.all`: the command named, its positional arguments and its options.
///
/// It knows which options take a value but not what a value means: each command's options read
/// their values from it, so that a value's error names the option it was given to.
struct ParsedArguments {
  /// The command word given, such as `check`; nil when the command line starts with a chapter or an option.
  private(set) var commandWord: Command.Name?
  /// The arguments that are neither the command word nor an option or its value, in order.
  private(set) var positionals: [String] = []
  /// Each option given with its value (empty for a flag), in the order given.
  private(set) var options: [(option: Option, value: String)] = []

  init(_ arguments: [String]) throws {
    var remaining = arguments[...]
    while let argument = remaining.popFirst() {
      guard argument.hasPrefix("-"), argument != "-" else {
        if commandWord == nil, positionals.isEmpty, let name = Command.Name(rawValue: argument) {
          commandWord = name
        } else {
          positionals.append(argument)
        }
        continue
      }
      guard let option = Option.named(argument) else {
        throw GraderError.usage("Unknown option '\(argument)'.")
      }
      guard option.valueName != nil else {
        options.append((option, ""))
        continue
      }
      // A value that looks like an option is the user forgetting the value, not a file named so.
      guard let value = remaining.popFirst(), !value.hasPrefix("--") else {
        throw GraderError.usage("\(option.name) needs a value.")
      }
      options.append((option, value))
    }
  }

  /// The command to carry out: the one named, else the flake audit if `--repeat` is given, else grading.
  var command: Command.Name {
    commandWord ?? (isGiven(.repeatCount) ? .audit : .grade)
  }

  /// Whether `option` is on the command line.
  func isGiven(_ option: Option) -> Bool {
    options.contains { $0.option == option }
  }

  /// The value of `option`, if given; the last one wins, so a wrapper script can override one it passes.
  func value(of option: Option) -> String? {
    options.last { $0.option == option }?.value
  }

  /// The value of `option` as a whole number of 1 or more, if given.
  func count(of option: Option) throws -> Int? {
    try value(of: option).map { text in
      guard let count = Int(text), count > 0 else {
        throw GraderError.usage("\(option.name) takes a number of 1 or more, not '\(text)'.")
      }
      return count
    }
  }

  /// Throws a usage error naming the first option given that `command` does not take.
  func checkOptionsApply(to command: Command.Name) throws {
    guard let (option, _) = options.first(where: { !$0.option.commands.contains(command) }) else { return }
    let names = option.commands.map(\.rawValue)
    let takers = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names[0]
    // Named as the user wrote it, so that `--repeat` turning grading into an audit is no surprise.
    let which =
      switch (commandWord, command) {
      case (nil, .audit): "audit (which --repeat starts)"
      case (nil, _): "\(command.rawValue) (the default command)"
      default: command.rawValue
      }
    throw GraderError.usage("\(option.name) does not apply to \(which): it goes with \(takers).")
  }

  /// The chapter named after a command that may name one, such as `grade`.
  func optionalChapter() throws -> String? {
    if positionals.count > 1 { throw GraderError.usage("Unexpected argument '\(positionals[1])'.") }
    return positionals.first
  }

  /// The chapter named after a command that needs one, such as `hint`.
  func chapter(of command: Command.Name) throws -> String {
    guard let chapter = try optionalChapter() else {
      throw GraderError.usage("\(command.rawValue) needs a chapter, such as ./grader \(command.rawValue) 02.")
    }
    return chapter
  }

  /// Throws a usage error if anything follows a command that takes no chapter.
  func checkNoPositionals() throws {
    if let extra = positionals.first { throw GraderError.usage("Unexpected argument '\(extra)'.") }
  }
}
