/// What `contacts.recordMessages` did: each message's id is in exactly one of ``recorded`` and
/// ``failed``, in order.
public struct RecordResult: Sendable, Equatable {
    /// Ids whose message was counted.
    public var recorded: [String]
    /// Ids whose message was not counted (unknown contact, invalid id or date).
    public var failed: [String]
    /// Why each failed message failed, in ``failed``'s order.
    public var errors: [EntryFailure]
    /// True when the server answered from its idempotency memory (see ``UpsertResult/replayed``).
    public var replayed: Bool

    /// A result from its parts.
    public init(recorded: [String] = [], failed: [String] = [], errors: [EntryFailure] = [], replayed: Bool = false) {
        self.recorded = recorded
        self.failed = failed
        self.errors = errors
        self.replayed = replayed
    }

    /// True when every message was counted.
    public var success: Bool { self.failed.isEmpty }
}
