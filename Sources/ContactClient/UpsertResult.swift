/// What `contacts.upsert` did: each entry's id is in exactly one of ``inserted``, ``updated`` and
/// ``failed``, in entry order, and each failed entry has an ``errors`` element saying why.
public struct UpsertResult: Sendable, Equatable {
    /// Ids of the entries that inserted a contact.
    public var inserted: [String]
    /// Ids of the entries that updated an existing contact.
    public var updated: [String]
    /// Ids of the entries that were not applied (`""` for an entry without a string id).
    public var failed: [String]
    /// Why each failed entry failed, in ``failed``'s order.
    public var errors: [EntryFailure]
    /// True when the server answered from its idempotency memory: an earlier request with the
    /// same key was applied and this one changed nothing (after a retry, that is the normal case).
    /// For ``ContactdClient/bulkUpsert(_:)``, true when any batch was replayed.
    public var replayed: Bool

    /// A result from its parts.
    public init(
        inserted: [String] = [],
        updated: [String] = [],
        failed: [String] = [],
        errors: [EntryFailure] = [],
        replayed: Bool = false
    ) {
        self.inserted = inserted
        self.updated = updated
        self.failed = failed
        self.errors = errors
        self.replayed = replayed
    }

    /// True when no entry failed.
    public var success: Bool { self.failed.isEmpty }
}
