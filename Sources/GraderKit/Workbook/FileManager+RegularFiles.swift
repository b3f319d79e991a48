import Foundation

extension FileManager {
  /// The files below `folder` whose paths `wanted` takes, relative to `folder` and sorted; folders
  /// are left out, and a link to a folder (a chapter's `Given`) is neither entered nor listed.
  ///
  /// `wanted` sees every path before the file system is asked what it is, so a filter keeps a
  /// large tree (a build folder) from being looked at file by file.
  func regularFiles(below folder: URL, where wanted: (String) -> Bool = { _ in true }) -> [String] {
    ((try? subpathsOfDirectory(atPath: folder.path)) ?? []).filter { path in
      var isFolder: ObjCBool = false
      return wanted(path)
        && fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isFolder)
        && !isFolder.boolValue
    }.sorted()
  }
}
