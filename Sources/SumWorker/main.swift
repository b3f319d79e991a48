// sum-worker: the child process that chapter 9's process pool starts, one per task.
//
// It is the guide's `cpu_bound_task` as a program of its own: given n, it adds up i * i for every
// i in 0..<n and prints the sum with its own process ID and its parent's, so a caller can prove
// the work ran in a child:
//
//     $ sum-worker 40000000
//     n=40000000 sum=21333332533333340000000 pid=4242 ppid=4200
//
// The sum outgrows `Int` once n passes about 3 025 000 (the guide's answers go up to 2.1 × 10^22),
// so it is added up in `UInt128`, which holds anything below 3.4 × 10^38.
//
// Options, for the tests of chapter 9 (a real worker that fails on demand, not a stand-in):
//   --hold PATH     before working, connect to the Unix socket at PATH, send "pid=… n=…" and wait
//                   until the other side sends a byte or hangs up; the socket stays open until exit.
//   --crash-on N    when n is N, die from SIGKILL instead of answering, as if the kernel killed it.
// A negative n, or one above 2^32, is refused: the worker says why on stderr and exits with 64.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The exit status for a command-line mistake (`EX_USAGE` in sysexits.h).
let usageStatus: Int32 = 64

func fail(_ message: String, status: Int32 = usageStatus) -> Never {
  let line = Array("sum-worker: \(message)\n".utf8)
  _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
  exit(status)
}

/// The sum of i * i for every i in 0..<n, the guide's `cpu_bound_task(n)`.
///
/// Every i is below 2^32, so i * i fits a `UInt64`; only the running sum needs 128 bits.
/// The wrapping operators skip overflow checks that cannot fire, which matters in debug builds.
func sumOfSquares(below n: UInt64) -> UInt128 {
  var sum: UInt128 = 0
  var i: UInt64 = 0
  while i < n {
    sum &+= UInt128(i &* i)
    i &+= 1
  }
  return sum
}

/// Connects to the Unix socket at `path`, says who this worker is and waits to be let go.
///
/// Returns the connected socket, which the caller keeps open until the process exits: the other
/// side sees it close the moment this process dies, whatever kills it.
func holdAt(_ path: String, input: Int) -> Int32 {
  #if canImport(Glibc)
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
  #else
    let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
  #endif
  guard descriptor >= 0 else { fail("--hold: socket() failed, errno \(errno)", status: 70) }
  #if canImport(Darwin)
    // Darwin has no MSG_NOSIGNAL; this socket option keeps a write to a closed peer from
    // killing the worker with SIGPIPE.
    var on: Int32 = 1
    setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
  #endif

  var address = sockaddr_un()
  address.sun_family = sa_family_t(AF_UNIX)
  let pathBytes = Array(path.utf8)
  let capacity = MemoryLayout.size(ofValue: address.sun_path)
  guard pathBytes.count < capacity else { fail("--hold: socket path longer than \(capacity - 1) bytes") }
  withUnsafeMutableBytes(of: &address.sun_path) { buffer in
    buffer.copyBytes(from: pathBytes)
    buffer[pathBytes.count] = 0
  }
  let connected = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
    }
  }
  guard connected == 0 else { fail("--hold: cannot connect to \(path), errno \(errno)", status: 69) }

  #if canImport(Glibc)
    let flags = Int32(MSG_NOSIGNAL)
  #else
    let flags: Int32 = 0
  #endif
  let hello = Array("pid=\(getpid()) n=\(input)\n".utf8)
  _ = hello.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, flags) }

  // Any byte, or the other side hanging up, lets the worker go.
  var byte: UInt8 = 0
  while recv(descriptor, &byte, 1, 0) < 0 && errno == EINTR {}
  return descriptor
}

// MARK: - Main

var holdPath: String?
var crashInput: Int?
var input: Int?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
  switch argument {
  case "--hold":
    guard let path = arguments.popFirst() else { fail("--hold needs a socket path") }
    holdPath = path
  case "--crash-on":
    guard let value = arguments.popFirst().flatMap({ Int($0) }) else { fail("--crash-on needs a number") }
    crashInput = value
  default:
    guard input == nil, let value = Int(argument) else {
      fail("usage: sum-worker [--hold SOCKET] [--crash-on N] N (got '\(argument)')")
    }
    input = value
  }
}
guard let n = input else { fail("usage: sum-worker [--hold SOCKET] [--crash-on N] N") }

// The held socket is never closed by hand: it closes as the process exits, and not a moment before.
_ = holdPath.map { holdAt($0, input: n) }
if n == crashInput {
  kill(getpid(), SIGKILL)
}
guard n >= 0 else { fail("n must be 0 or more, got \(n)") }
guard n <= 1 << 32 else { fail("n must be 2^32 or less, got \(n)") }

print("n=\(n) sum=\(sumOfSquares(below: UInt64(n))) pid=\(getpid()) ppid=\(getppid())")
