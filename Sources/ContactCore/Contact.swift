/// A stored contact (PROTOCOL.md section 4), its profile kept as compact JSON text.
public struct Contact: Sendable, Equatable {
    /// The internal id.
    public var id: ContactID
    /// The caller's id, unique within the project.
    public var externalId: String
    /// The profile's compact JSON text (an object).
    public var profile: [UInt8]
    /// Messages received, by month.
    public var stats: MessageStats
    /// When the contact was inserted (or the `createdAt` its insert gave).
    public var createdAt: Timestamp
    /// When an entry last changed the profile.
    public var updatedAt: Timestamp

    /// A contact from all its fields.
    public init(
        id: ContactID,
        externalId: String,
        profile: [UInt8],
        stats: MessageStats = MessageStats(),
        createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.id = id
        self.externalId = externalId
        self.profile = profile
        self.stats = stats
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The profile a new contact starts with: `{"id": externalId}`.
    public static func initialProfile(externalId: String) -> JSONObject {
        JSONObject(uniqueMembers: [JSONObject.Member(key: "id", value: .string(externalId))])
    }

    /// Appends the contact object with its seven fields, in documented order.
    public func write(project: String, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: #"{"id":""#.utf8)
        bytes.append(contentsOf: self.id.description.utf8)
        bytes.append(contentsOf: #"","externalId":"#.utf8)
        JSONWriter.writeString(self.externalId, into: &bytes)
        bytes.append(contentsOf: #","project":"#.utf8)
        JSONWriter.writeString(project, into: &bytes)
        bytes.append(contentsOf: #","profile":"#.utf8)
        bytes.append(contentsOf: self.profile)
        bytes.append(contentsOf: #","stats":"#.utf8)
        self.stats.write(into: &bytes)
        bytes.append(contentsOf: #","createdAt":""#.utf8)
        self.createdAt.writeISO8601(into: &bytes)
        bytes.append(contentsOf: #"","updatedAt":""#.utf8)
        self.updatedAt.writeISO8601(into: &bytes)
        bytes.append(contentsOf: #""}"#.utf8)
    }
}
