public import ContactCore

/// One element of an upsert: the contact's external id, the operators to apply to its profile,
/// and optionally the `createdAt` it gets if the entry inserts it.
public struct UpsertEntry: Sendable, Equatable {
    /// The external id (1 to 256 bytes of UTF-8 without control characters).
    public var id: String
    /// The operators to apply; an empty update inserts the contact or leaves it unchanged.
    public var update: ProfileUpdate
    /// Used only when the entry inserts the contact.
    public var createdAt: Timestamp?

    /// An entry for the contact `id`.
    public init(id: String, update: ProfileUpdate = ProfileUpdate(), createdAt: Timestamp? = nil) {
        self.id = id
        self.update = update
        self.createdAt = createdAt
    }

    /// The entry as sent: `{"id":…,"profile":{…},"createdAt":…}` (without empty parts).
    public var json: JSON {
        var object = JSONObject(["id": .string(self.id)])
        if !self.update.isEmpty { object["profile"] = self.update.json }
        if let createdAt = self.createdAt { object["createdAt"] = .string(createdAt.iso8601) }
        return .object(object)
    }
}
