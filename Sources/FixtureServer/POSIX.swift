import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The last C library error, as a number the server's errors and logs can carry.
var lastErrno: Int32 { errno }

/// Makes `fd` non-blocking, so every wait goes through `poll` and can see the shutdown signal.
func makeNonBlocking(_ fd: Int32) -> Bool {
  let flags = fcntl(fd, F_GETFL)
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0
}

/// Keeps `fd` out of child processes, so a chapter that spawns workers never holds a connection open.
func closeOnExec(_ fd: Int32) {
  _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
}

/// Sets an integer socket option; failures are ignored because every option here is an optimisation.
func setSocketOption(_ fd: Int32, _ level: Int32, _ option: Int32, _ value: Int32) {
  var value = value
  _ = setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
}

/// Configures an accepted connection: non-blocking, no SIGPIPE, no Nagle delay between small replies.
func configureConnection(_ fd: Int32) -> Bool {
  closeOnExec(fd)
  #if canImport(Darwin)
    // Darwin has no MSG_NOSIGNAL; the socket option keeps a write to a closed peer from raising SIGPIPE.
    setSocketOption(fd, SOL_SOCKET, SO_NOSIGPIPE, 1)
  #endif
  setSocketOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
  return makeNonBlocking(fd)
}

/// The flags for `send`: on Linux, `MSG_NOSIGNAL` keeps a write to a closed peer from raising SIGPIPE.
let sendFlags: Int32 = {
  #if canImport(Darwin)
    0
  #else
    Int32(MSG_NOSIGNAL)
  #endif
}()

/// TCP sockets on 127.0.0.1, written once for the server's listener and for tests that talk raw TCP to it.
public enum LoopbackSocket {
  /// Opens a TCP socket, lets `prepare` set its options, and connects it to 127.0.0.1:`port`.
  ///
  /// Returns the connected, blocking descriptor, which you close; `prepare` runs before `connect`, where
  /// options like `SO_RCVBUF` still shape the connection.
  public static func connect(port: UInt16, prepare: (Int32) -> Void = { _ in }) throws(FixtureServerError)
    -> Int32
  {
    let fd = try openStreamSocket()
    prepare(fd)
    let connected = withAddress(port: port) { connectSocket(fd, $0, $1) }
    guard connected == 0 else {
      let code = lastErrno
      closeDescriptor(fd)
      throw FixtureServerError(operation: "connect(127.0.0.1:\(port))", code: code)
    }
    return fd
  }

  /// A new TCP socket, kept out of child processes.
  static func openStreamSocket() throws(FixtureServerError) -> Int32 {
    #if canImport(Darwin)
      let fd = socket(AF_INET, SOCK_STREAM, 0)
    #else
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #endif
    guard fd >= 0 else { throw FixtureServerError(operation: "socket()", code: lastErrno) }
    closeOnExec(fd)
    return fd
  }

  /// Calls `body` with the address 127.0.0.1:`port`, as `bind` and `connect` take it.
  static func withAddress<Result>(
    port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result
  ) -> Result {
    var address = sockaddr_in()
    #if canImport(Darwin)
      address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
    #endif
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(port).bigEndian
    address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
  }
}

/// `connect(2)`, named apart from `LoopbackSocket.connect(port:prepare:)`.
private func connectSocket(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
  connect(fd, address, length)
}

extension LoopbackSocket {
  /// Opens a TCP socket bound to 127.0.0.1:`port` and returns it with the port it got: the kernel
  /// picks a free one for port 0.
  ///
  /// `reusingAddress` lets a restarted server bind the port of its last run while that run's
  /// connections are in TIME_WAIT.
  static func bound(port: UInt16, reusingAddress: Bool = false) throws(FixtureServerError)
    -> (fd: Int32, port: Int)
  {
    let fd = try openStreamSocket()
    if reusingAddress { setSocketOption(fd, SOL_SOCKET, SO_REUSEADDR, 1) }
    guard withAddress(port: port, { bind(fd, $0, $1) }) == 0 else {
      let code = lastErrno
      close(fd)
      throw FixtureServerError(operation: "bind(127.0.0.1:\(port))", code: code)
    }
    var boundAddress = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &boundAddress) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else {
      let code = lastErrno
      close(fd)
      throw FixtureServerError(operation: "getsockname()", code: code)
    }
    return (fd, Int(UInt16(bigEndian: boundAddress.sin_port)))
  }
}

/// Opens a listening TCP socket on 127.0.0.1 and returns it with the port the kernel gave it.
func openListener(port: UInt16) throws(FixtureServerError) -> (fd: Int32, port: Int) {
  let listener = try LoopbackSocket.bound(port: port, reusingAddress: true)
  // Hundreds of clients may connect in one burst before the accept thread runs: keep them all queued.
  guard listen(listener.fd, 1024) == 0, makeNonBlocking(listener.fd) else {
    let code = lastErrno
    close(listener.fd)
    throw FixtureServerError(operation: "listen()", code: code)
  }
  return listener
}

/// Calls `poll` until it returns for a reason other than a signal; `timeout` is in milliseconds, -1 for none.
func pollRetrying(_ fds: inout [pollfd], timeout: Int32) -> Int32 {
  while true {
    let result = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
    if result >= 0 || errno != EINTR { return result }
  }
}

/// Milliseconds from now until `deadline`, rounded up, as `poll` wants them: -1 waits forever.
func pollTimeout(until deadline: ContinuousClock.Instant?) -> Int32 {
  guard let deadline else { return -1 }
  let remaining = deadline - .now
  if remaining <= .zero { return 0 }
  return Int32(clamping: remaining.roundedUpMilliseconds)
}

/// A one-shot event that threads blocked in `poll` can wait for: a pipe that turns readable when fired.
///
/// Nobody ever reads the pipe, so once fired it stays readable and wakes every present and future
/// waiter. The server uses one for shutdown and one for each gate, and fires and closes each under
/// its own lock, once.
final class PollableSignal: Sendable {
  /// The end to poll for `POLLIN`.
  let readEnd: Int32
  private let writeEnd: Int32

  init() throws(FixtureServerError) {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { throw FixtureServerError(operation: "pipe()", code: lastErrno) }
    readEnd = ends[0]
    writeEnd = ends[1]
    closeOnExec(readEnd)
    closeOnExec(writeEnd)
  }

  /// Wakes every thread polling `readEnd`, now and from now on.
  func fire() {
    var byte: UInt8 = 1
    _ = write(writeEnd, &byte, 1)
  }

  /// Closes the pipe; call it only once no thread polls it any more.
  func close() {
    closeDescriptor(readEnd)
    closeDescriptor(writeEnd)
  }
}

/// `close(2)` under a name that does not clash with the methods called `close`.
@discardableResult
func closeDescriptor(_ fd: Int32) -> Int32 {
  close(fd)
}

/// A joinable POSIX thread: the server joins every thread it starts, so shutdown leaves none behind.
struct NativeThread {
  fileprivate let handle: pthread_t

  /// Starts `body` on a new thread with a stack of `stackSize` bytes; `nil` if the system refused.
  static func spawn(stackSize: Int, _ body: @escaping @Sendable () -> Void) -> NativeThread? {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, stackSize)
    let context = Unmanaged.passRetained(ThreadContext(body)).toOpaque()
    #if canImport(Darwin)
      var handle: pthread_t?
      let result = pthread_create(&handle, &attributes, { runThreadContext($0) }, context)
      guard result == 0, let handle else {
        Unmanaged<ThreadContext>.fromOpaque(context).release()
        return nil
      }
      return NativeThread(handle: handle)
    #else
      var handle = pthread_t()
      let result = pthread_create(&handle, &attributes, { runThreadContext($0) }, context)
      guard result == 0 else {
        Unmanaged<ThreadContext>.fromOpaque(context).release()
        return nil
      }
      return NativeThread(handle: handle)
    #endif
  }

  /// Waits for the thread to end and frees what it held.
  func join() {
    _ = pthread_join(handle, nil)
  }
}

/// The closure a new thread runs, boxed so it can pass through pthread's `void *` argument.
private final class ThreadContext {
  let body: @Sendable () -> Void
  init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// The entry point of every thread the server starts: unboxes and runs its closure.
private func runThreadContext(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
  guard let raw else { return nil }
  Unmanaged<ThreadContext>.fromOpaque(raw).takeRetainedValue().body()
  return nil
}
