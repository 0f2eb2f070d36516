public import ContactCore

/// A contact as the server returns it (PROTOCOL.md section 4).
///
/// (ContactCore has a storage type of the same name; a file that imports both modules writes
/// `ContactClient.Contact`.)
public struct Contact: Sendable, Equatable {
    /// The internal id: 24 lowercase hex digits, assigned on insert, never changes.
    public var id: String
    /// The caller's id, unique within the project.
    public var externalId: String
    /// The project of the API key.
    public var project: String
    /// The profile object; it always has `"id"` equal to ``externalId``.
    public var profile: JSONObject
    /// Messages received, counted by UTC year and month.
    public var stats: MessageStats
    /// When the contact was inserted (or the `createdAt` its insert gave).
    public var createdAt: Timestamp
    /// When an entry last changed the profile.
    public var updatedAt: Timestamp

    /// A contact from all its fields.
    public init(
        id: String,
        externalId: String,
        project: String,
        profile: JSONObject,
        stats: MessageStats = MessageStats(),
        createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.id = id
        self.externalId = externalId
        self.project = project
        self.profile = profile
        self.stats = stats
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Decodes the contact object of a response; throws
    /// ``ContactClientError/invalidResponse(_:)`` when a field is missing or malformed.
    public init(json object: JSONObject) throws(ContactClientError) {
        func fail(_ field: String) -> ContactClientError {
            .invalidResponse(
                "contact field \"\(field)\" is missing or malformed: \(JSONWriter.string(.object(object)).prefix(300))"
            )
        }
        guard let id = object["id"]?.stringValue else { throw fail("id") }
        guard let externalId = object["externalId"]?.stringValue else { throw fail("externalId") }
        guard let project = object["project"]?.stringValue else { throw fail("project") }
        guard let profile = object["profile"]?.objectValue else { throw fail("profile") }
        guard let statsObject = object["stats"]?.objectValue, let stats = Self.stats(from: statsObject) else {
            throw fail("stats")
        }
        guard let created = object["createdAt"]?.stringValue, let createdAt = Timestamp(rfc3339: created) else {
            throw fail("createdAt")
        }
        guard let updated = object["updatedAt"]?.stringValue, let updatedAt = Timestamp(rfc3339: updated) else {
            throw fail("updatedAt")
        }
        self.init(
            id: id,
            externalId: externalId,
            project: project,
            profile: profile,
            stats: stats,
            createdAt: createdAt,
            updatedAt: updatedAt
        )
    }

    /// The contact object with its seven fields in documented order, as the server writes it.
    public var json: JSON {
        var statsBytes: [UInt8] = []
        self.stats.write(into: &statsBytes)
        let stats = (try? JSONParser.parse(statsBytes)) ?? .object(JSONObject())
        return .object(
            JSONObject([
                "id": .string(self.id),
                "externalId": .string(self.externalId),
                "project": .string(self.project),
                "profile": .object(self.profile),
                "stats": stats,
                "createdAt": .string(self.createdAt.iso8601),
                "updatedAt": .string(self.updatedAt.iso8601),
            ])
        )
    }

    /// The number of messages recorded in `year`-`month` (UTC; month 1 to 12).
    public func messages(year: Int, month: Int) -> Int64 {
        self.stats.buckets.first { Int($0.year) == year && Int($0.month) == month }?.count ?? 0
    }

    /// Parses `{"YYYY": {"M": n}}`.
    private static func stats(from object: JSONObject) -> MessageStats? {
        var buckets: [MessageStats.Bucket] = []
        for yearMember in object.members {
            guard let year = Int32(yearMember.key), let months = yearMember.value.objectValue else { return nil }
            for monthMember in months.members {
                guard let month = UInt8(monthMember.key), (1...12).contains(month),
                    case .int(let count) = monthMember.value
                else { return nil }
                buckets.append(MessageStats.Bucket(year: year, month: month, count: count))
            }
        }
        buckets.sort { ($0.year, $0.month) < ($1.year, $1.month) }
        return MessageStats(buckets: buckets)
    }
}
