/// The port number in `text`, stopping the whole process when there is none.
public func port(in text: String) -> Int {
  guard let port = Int(text) else {
    fatalError("no port in '\(text)'")
  }
  return port
}
