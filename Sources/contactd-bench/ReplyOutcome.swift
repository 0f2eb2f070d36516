/// What one reply (one batch) said, as far as the bench cares.
struct ReplyOutcome: Sendable {
    /// False for a contactd response whose statusCode is not 200 (or that cannot be read).
    var accepted: Bool
    /// Entries of the batch that failed: contactd's `failed` entries, or Redis error replies.
    var failedEntries: Int
}
