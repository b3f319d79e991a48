/// Prints `mebibytes` MiB of text to standard output and returns how many bytes it printed.
public func printMebibytes(_ mebibytes: Int) -> Int {
  let line = String(repeating: "flood ", count: 170) + "flood\n"
  let chunk = String(repeating: line, count: (1 << 20) / line.utf8.count)
  for _ in 0..<mebibytes {
    print(chunk, terminator: "")
  }
  return chunk.utf8.count * mebibytes
}

/// `text` in capitals, with a plain bug: it forgets to change it.
public func shout(_ text: String) -> String {
  text
}
