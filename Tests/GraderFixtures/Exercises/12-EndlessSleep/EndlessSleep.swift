/// Waits for a wake-up call that never comes, a day at a time: an endless sleep.
public func waitForWakeUpCall() async throws {
  while true {
    try await Task.sleep(for: .seconds(86_400))
  }
}
