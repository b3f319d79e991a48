/// A chapter whose own code does not compile: a number where a string belongs.
public func greeting() -> String {
  let name: String = 42  // grader points here
  return "Hello, \(name)"
}
