/// What one reply (one batch) said, as far as the bench cares.
struct ReplyOutcome: Sendable {
    /// False for a contactd response whose statusCode is not 200 (or that cannot be read).
    var accepted: Bool
    /// Entries of the batch that failed: contactd's `failed` entries, or Redis error replies; in a
    /// read batch, replies that were neither a hit nor a miss.
    var failedEntries: Int
    /// Reads of an id the server does not have (contactd 404, Redis empty `HGETALL`).
    var misses: Int = 0
}

/// What a request in flight holds, so its reply can be read and counted.
struct SentRequest: Sendable {
    /// Contacts written (a write batch) or ids read (a read batch).
    var contacts: Int
    /// A batch of reads (`contacts.get` / `HGETALL`) rather than an upsert.
    var isRead: Bool
}
