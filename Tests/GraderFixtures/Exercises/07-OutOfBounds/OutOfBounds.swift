/// The last element of `numbers`, read one place past the end: a trap.
public func lastElement(of numbers: [Int]) -> Int {
  numbers[numbers.count]  // grader points here
}
