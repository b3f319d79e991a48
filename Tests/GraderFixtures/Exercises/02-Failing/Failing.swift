/// Twice `x`, with a plain bug: a chapter that fails one test and passes the other.
public func double(_ x: Int) -> Int {
  x * 3
}
