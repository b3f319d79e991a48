/// Allocates `gigabytes` GiB and writes to all of it: more than any test process may map.
public func fill(gigabytes: Int) -> Int {
  var bytes = [UInt8](repeating: 1, count: gigabytes << 30)
  bytes[bytes.count - 1] = 2
  return bytes.count
}
