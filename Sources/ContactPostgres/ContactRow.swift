import ContactCore
import ContactStore
import PostgresNIO

/// How a contact is kept in a row of `contactd_contacts`: the internal id as its 24 hex digits,
/// the profile as the engine's compact JSON text (not `jsonb`, which would reorder members and
/// reprint numbers), the stats as their JSON text, and the instants as milliseconds.
///
/// A row whose `id` is NULL is a placeholder a write transaction inserted to lock the id; it is
/// filled or deleted before that transaction commits, and never read as a contact.
enum ContactRow {
    /// The columns a contact is read from, in the order ``decode(_:)`` expects.
    static let columns = "external_id, id, profile, stats, created_at, updated_at"

    /// The row's contact; nil for a placeholder.
    static func decode(_ row: PostgresRow) throws(StoreError) -> Contact? {
        let fields: (String, String?, String?, String?, Int64?, Int64?)
        do {
            fields = try row.decode((String, String?, String?, String?, Int64?, Int64?).self)
        } catch {
            throw StoreError(.damaged, "a contact row has columns of unexpected types: \(String(reflecting: error))")
        }
        let (externalId, idText, profile, statsText, createdAt, updatedAt) = fields
        guard let idText else { return nil }
        guard let id = ContactID(hex: idText), let profile, let statsText, let createdAt, let updatedAt,
            let stats = Self.stats(from: statsText)
        else {
            throw StoreError(.damaged, "the row of contact \(externalId.debugDescription) is damaged")
        }
        return Contact(
            id: id,
            externalId: externalId,
            profile: Array(profile.utf8),
            stats: stats,
            createdAt: Timestamp(milliseconds: createdAt),
            updatedAt: Timestamp(milliseconds: updatedAt)
        )
    }

    /// The JSON text `stats` are kept as (`{"YYYY":{"M":n}}`, as the contact object shows them).
    static func text(of stats: MessageStats) -> String {
        var bytes: [UInt8] = []
        stats.write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Stats from the text ``text(of:)`` wrote; nil when it is not such text.
    static func stats(from text: String) -> MessageStats? {
        guard case .object(let years)? = try? JSONParser.parse(Array(text.utf8)) else { return nil }
        var buckets: [MessageStats.Bucket] = []
        for year in years.members {
            guard let yearNumber = Int32(year.key), case .object(let months) = year.value else { return nil }
            for month in months.members {
                guard let monthNumber = UInt8(month.key), case .int(let count) = month.value else { return nil }
                buckets.append(MessageStats.Bucket(year: yearNumber, month: monthNumber, count: count))
            }
        }
        buckets.sort { ($0.year, $0.month) < ($1.year, $1.month) }
        return MessageStats(buckets: buckets)
    }
}
