/// Twice `x`, with a plain bug: a chapter that fails one test and passes the other.
public func double(_ x: Int) -> Int {
  // Twice is times two: the solution the grader's instructor commands compare against.
  x * 2
}
