/// The sum of the whole numbers from 1 to `n`: a chapter whose code is right.
public func triangle(_ n: Int) -> Int {
  n * (n + 1) / 2
}
