// Given: the chapter hands you this code as the module `ProcessPoolGiven`, which your exercise
// and the tests import. You need not change it.

/// What the worker printed for one input: the sum, and which process computed it.
public struct WorkerResult: Sendable, Hashable {
  /// The task's input, n.
  public let input: Int
  /// The sum of i * i for every i in 0..<n; it outgrows `Int` once n passes about 3 025 000.
  public let sum: UInt128
  /// The process ID of the child that did the work.
  public let processID: Int32
  /// The process ID of that child's parent: your program, if the pool started it.
  public let parentProcessID: Int32

  /// A result with these fields.
  public init(input: Int, sum: UInt128, processID: Int32, parentProcessID: Int32) {
    self.input = input
    self.sum = sum
    self.processID = processID
    self.parentProcessID = parentProcessID
  }

  /// Reads the worker's output, `n=… sum=… pid=… ppid=…`; `nil` unless it is well formed and about `input`.
  public init?(input: Int, output: String) {
    var fields: [Substring: Substring] = [:]
    for field in output.split(whereSeparator: \.isWhitespace) {
      let parts = field.split(separator: "=", maxSplits: 1)
      guard parts.count == 2 else { return nil }
      fields[parts[0]] = parts[1]
    }
    guard fields.count == 4,
      let n = fields["n"].flatMap({ Int($0) }), n == input,
      let sum = fields["sum"].flatMap({ UInt128($0) }),
      let processID = fields["pid"].flatMap({ Int32($0) }),
      let parentProcessID = fields["ppid"].flatMap({ Int32($0) })
    else { return nil }
    self.init(input: n, sum: sum, processID: processID, parentProcessID: parentProcessID)
  }
}

/// The error for a task whose child process failed: it names the task's input and what went wrong.
public struct WorkerFailure: Error, Hashable, CustomStringConvertible {
  /// How a child failed.
  public enum Reason: Sendable, Hashable {
    /// The child exited with a status other than 0.
    case exited(status: Int32)
    /// The child was killed by a signal, such as SIGKILL (9) from the kernel's out-of-memory killer.
    case killed(signal: Int32)
    /// The child exited with status 0 but printed something that is not a result for its input.
    case unreadableOutput(String)
  }

  /// The input of the task that failed.
  public let input: Int
  /// What went wrong.
  public let reason: Reason

  /// A failure of the task for `input`.
  public init(input: Int, reason: Reason) {
    self.input = input
    self.reason = reason
  }

  public var description: String {
    switch reason {
    case .exited(let status): "the worker for input \(input) exited with status \(status)"
    case .killed(let signal): "the worker for input \(input) was killed by signal \(signal)"
    case .unreadableOutput(let output): "the worker for input \(input) printed \(output.debugDescription)"
    }
  }
}
