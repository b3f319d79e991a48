import Foundation

/// Writes a test's "timeline" where the grader's `--trace` asks for it, as the workbook's
/// `.timeline` trait does: `WORKBOOK_TRACE_DIR/<name>.json` and `.svg`.
///
/// The fixture workbook does not link the workbook's test support; the files hold just enough
/// for the command suites to tell whose run wrote them and to prove that the grader copied them.
public enum TraceStub {
  public static func write(_ name: String, saying text: String) {
    guard let path = ProcessInfo.processInfo.environment["WORKBOOK_TRACE_DIR"], !path.isEmpty else { return }
    let folder = URL(fileURLWithPath: path, isDirectory: true)
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let json = #"{"traceEvents":[],"otherData":{"text":"\#(text)"}}"#
    try? Data(json.utf8).write(to: folder.appendingPathComponent(name + ".json"))
    let svg = #"<svg xmlns="http://www.w3.org/2000/svg"><text>\#(text)</text></svg>"#
    try? Data(svg.utf8).write(to: folder.appendingPathComponent(name + ".svg"))
  }
}
