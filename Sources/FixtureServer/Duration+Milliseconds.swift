extension Duration {
  /// Whole milliseconds, rounded up so a wait never ends early, as `poll` takes them.
  var roundedUpMilliseconds: Int64 {
    let (seconds, attoseconds) = components
    let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    if overflow { return seconds < 0 ? .min : .max }
    return milliseconds + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
  }
}
