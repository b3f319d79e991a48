import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A wrong answer, and a forger: at exit, it rewrites the event stream whose path is on the
/// command line, dropping every reported issue and claiming every test ended.
public func answer() -> Int {
  atexit {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: "--experimental-event-stream-output"),
      index + 1 < arguments.count
    else { return }
    let path = arguments[index + 1]
    let kept = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
      .split(separator: "\n").filter { !$0.contains("issueRecorded") }
    let forged =
      kept.joined(separator: "\n") + "\n"
      + #"{"kind":"event","payload":{"kind":"testEnded","testID":"ForgedReportTests.ForgedReportTests/answerIs42()"}}"#
      + "\n" + #"{"kind":"event","payload":{"kind":"runEnded"}}"# + "\n"
    let file = open(path, O_WRONLY | O_TRUNC)
    if file >= 0 {
      _ = forged.withCString { write(file, $0, strlen($0)) }
      close(file)
    }
  }
  return 0
}
