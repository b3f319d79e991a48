import Foundation

extension Demo {
  /// Chapter 1: the guide's three workers, started together and joined.
  static let threads = Demo(
    number: "01", title: "Threads and join",
    summary: "three workers sleep side by side; joining them all takes one sleep, not three",
    run: runThreads)
}

/// The guide's first example: start three workers that each sleep, then wait for all of them.
private func runThreads() {
  let sleep = 1.0
  let ((), elapsed) = timed {
    // `runOnThreads` starts every thread before it joins the first: the sleeps overlap.
    runOnThreads(3) { index in
      print("Worker Thread-\(index) started")
      Thread.sleep(forTimeInterval: sleep)
      print("Worker Thread-\(index) finished")
    }
  }
  print("All workers have finished")
  print()
  print("Three sleeps of \(Int(sleep)) s took \(elapsed.seconds) in all: the threads slept at the same time.")
  print("The finish lines come in any order: once threads run, the operating system picks who goes first.")
}
