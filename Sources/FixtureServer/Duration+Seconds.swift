extension Duration {
  /// The duration in seconds, as Dispatch and Foundation take it.
  var inSeconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }

  /// Whole milliseconds, rounded up so a wait never ends early, as `poll` takes them.
  var roundedUpMilliseconds: Int64 {
    let (seconds, attoseconds) = components
    let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    if overflow { return seconds < 0 ? .min : .max }
    return milliseconds + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
  }
}
