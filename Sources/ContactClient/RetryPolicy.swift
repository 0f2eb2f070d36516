/// How often, and how patiently, the client retries a call that failed in a way a retry may cure
/// (no connection, connection lost, timeout, 503; see ``ContactClientError/isRetryable``).
///
/// Reads are naturally safe to retry; every write the client sends carries an idempotency key
/// that its retries reuse, so a write that was applied before the connection dropped is not
/// applied again (the retry gets the remembered response, with ``UpsertResult/replayed`` set).
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all, the first included (1 means no retry).
    public var maxAttempts: Int
    /// The pause before the first retry; each further retry doubles it.
    public var initialBackoff: Duration
    /// The longest pause between two tries.
    public var maxBackoff: Duration

    /// A policy of `maxAttempts` tries with exponential backoff from `initialBackoff` to `maxBackoff`.
    public init(maxAttempts: Int, initialBackoff: Duration, maxBackoff: Duration) {
        self.maxAttempts = Swift.max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// 10 tries, pausing 50 ms, 100 ms, … up to 1 s: rides out a daemon restart of about 5 s.
    public static let `default` = RetryPolicy(
        maxAttempts: 10,
        initialBackoff: .milliseconds(50),
        maxBackoff: .seconds(1)
    )

    /// One try, no retry.
    public static let never = RetryPolicy(maxAttempts: 1, initialBackoff: .zero, maxBackoff: .zero)

    /// The pause after failed try number `attempt` (1-based).
    func backoff(afterAttempt attempt: Int) -> Duration {
        var pause = self.initialBackoff
        for _ in 1..<Swift.max(1, attempt) {
            pause = pause * 2
            if pause >= self.maxBackoff { return self.maxBackoff }
        }
        return Swift.min(pause, self.maxBackoff)
    }
}
