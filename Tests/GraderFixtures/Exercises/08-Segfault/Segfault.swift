/// Writes through a pointer made from address 16, which is never mapped: a segmentation fault.
public func writeThroughABadPointer() -> Int {
  guard let pointer = UnsafeMutablePointer<Int>(bitPattern: 16) else { return 0 }
  pointer.pointee = 42
  return pointer.pointee
}
