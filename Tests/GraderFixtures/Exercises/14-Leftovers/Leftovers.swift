import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Starts `sleepers` copies of `sleep 600` and one `true`, and returns their PIDs without ever waiting for them.
public func startChildrenAndForgetThem(sleepers: Int) -> [pid_t] {
  let commands = Array(repeating: ["sleep", "600"], count: sleepers) + [["true"]]
  return commands.compactMap { command in
    let argv = command.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var environment: [UnsafeMutablePointer<CChar>?] = [nil]
    var pid: pid_t = 0
    return posix_spawnp(&pid, command[0], nil, nil, argv, &environment) == 0 ? pid : nil
  }
}

/// Starts a thread that sleeps a minute at a time, forever.
public func startEndlessThread() {
  Thread {
    while true {
      sleep(60)
    }
  }.start()
}
