extension WorkbookRandom {
  /// A short random lowercase name, for the fixture server's pages and gates.
  public mutating func name() -> String {
    String((0..<int(in: 4...10)).map { _ in "abcdefghijklmnopqrstuvwxyz".randomElement(using: &self) ?? "x" })
  }

  /// A random document path of the fixture server, like `/doc/417`.
  public mutating func documentPath() -> String {
    "/doc/\(int(in: 1...999_999))"
  }

  /// `count` document paths of the fixture server, no two alike.
  public mutating func documentPaths(_ count: Int) -> [String] {
    var ids: [Int] = []
    while ids.count < count {
      let id = int(in: 1...999_999)
      if !ids.contains(id) { ids.append(id) }
    }
    return ids.map { "/doc/\($0)" }
  }
}
