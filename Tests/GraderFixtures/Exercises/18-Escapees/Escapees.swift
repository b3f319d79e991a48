import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Starts `count` sleepers in every way a child can leave its parent's process group, and returns
/// their PIDs: Foundation's `Process`, `setsid`, and a double fork whose middle process exits.
public func startEscapees(count: Int) -> [pid_t] {
  var pids: [pid_t] = []
  for _ in 0..<count {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sleep")
    process.arguments = ["1000"]
    if (try? process.run()) != nil { pids.append(process.processIdentifier) }
  }
  for _ in 0..<count {
    if let pid = spawn(["setsid", "sleep", "1000"]) { pids.append(pid) }
  }
  // The shell writes the PID of a sleeper it leaves behind, then exits: a double fork.
  for index in 0..<count {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("escapee-\(getpid())-\(index)")
    guard let shell = spawn(["sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $! > \(file.path)"]) else {
      continue
    }
    var status: Int32 = 0
    waitpid(shell, &status, 0)
    let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(at: file)
    if let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) { pids.append(pid) }
  }
  return pids
}

private func spawn(_ command: [String]) -> pid_t? {
  let argv = command.map { strdup($0) } + [nil]
  defer { argv.forEach { free($0) } }
  var pid: pid_t = 0
  return posix_spawnp(&pid, command[0], nil, nil, argv, environ) == 0 ? pid : nil
}
