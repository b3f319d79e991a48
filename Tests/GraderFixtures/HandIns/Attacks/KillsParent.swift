import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Attack 4: kills its parent, the grader, so that the batch stops and the next `--resume`
/// grades this hand-in first again. Crashes, saying so, if it is still running after.
struct ParentKiller {
  init() {
    let parent = getppid()
    let killed = kill(parent, SIGKILL) == 0
    usleep(200_000)
    fatalError(
      "attack blocked: still running after SIGKILL to the parent, PID \(parent) (kill returned \(killed))")
  }
}

/// Twice `x`, as the skeleton gets it wrong, after killing the grader.
public func double(_ x: Int) -> Int {
  _ = ParentKiller()
  return x * 3
}
