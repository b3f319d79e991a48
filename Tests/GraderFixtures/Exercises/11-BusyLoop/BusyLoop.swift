/// Counts until the count turns negative, which a count kept to 16 bits never does: an endless busy loop.
public func countUntilNegative() -> Int {
  var count = 0
  while count >= 0 {
    count = (count + 1) & 0xFFFF
  }
  return count
}
