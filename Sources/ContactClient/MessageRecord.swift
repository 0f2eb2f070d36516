public import ContactCore

/// One message received by a contact, for `contacts.recordMessages`.
public struct MessageRecord: Sendable, Equatable {
    /// The contact's external id.
    public var id: String
    /// When the message was received; nil means now (the server's clock).
    public var at: Timestamp?

    /// A message for contact `id` received `at` (default now).
    public init(id: String, at: Timestamp? = nil) {
        self.id = id
        self.at = at
    }

    /// The message as sent: `{"id":…,"at":…}`.
    public var json: JSON {
        var object = JSONObject(["id": .string(self.id)])
        if let at = self.at { object["at"] = .string(at.iso8601) }
        return .object(object)
    }
}
