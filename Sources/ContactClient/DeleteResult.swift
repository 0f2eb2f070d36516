/// What `contacts.delete` did.
public struct DeleteResult: Sendable, Equatable {
    /// Ids that were deleted.
    public var deleted: [String]
    /// Ids the project did not have (including a repeated id, after its first deletion).
    public var notFound: [String]
    /// True when the server answered from its idempotency memory (see ``UpsertResult/replayed``).
    public var replayed: Bool

    /// A result from its parts.
    public init(deleted: [String] = [], notFound: [String] = [], replayed: Bool = false) {
        self.deleted = deleted
        self.notFound = notFound
        self.replayed = replayed
    }
}
