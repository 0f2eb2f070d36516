import ContactCore
import ContactStore
import PostgresNIO

extension PostgresStore {
    /// `contacts.get`: the row, answered by ``ProjectState`` as the embedded store answers.
    func get(_ id: String, project: String) async throws -> [UInt8] {
        let contacts = try await self.contacts(
            """
            SELECT \(unescaped: ContactRow.columns) FROM contactd_contacts
            WHERE project = \(project) AND external_id = \(id) AND id IS NOT NULL
            """
        )
        return Self.answer(.get(id: id), project: project, contacts: contacts)
    }

    /// `contacts.list`: up to `limit + 1` rows after `after` in bytewise order (the extra row
    /// tells whether there is a next page), answered by ``ProjectState``.
    func list(limit: Int, after: String?, project: String) async throws -> [UInt8] {
        let fetch = limit + 1
        let contacts: [Contact]
        if let after {
            contacts = try await self.contacts(
                """
                SELECT \(unescaped: ContactRow.columns) FROM contactd_contacts
                WHERE project = \(project) AND external_id > \(after) AND id IS NOT NULL
                ORDER BY external_id LIMIT \(fetch)
                """
            )
        } else {
            contacts = try await self.contacts(
                """
                SELECT \(unescaped: ContactRow.columns) FROM contactd_contacts
                WHERE project = \(project) AND id IS NOT NULL
                ORDER BY external_id LIMIT \(fetch)
                """
            )
        }
        let cursor = after.map(ListCursor.init(after:))
        return Self.answer(.list(limit: limit, cursor: cursor), project: project, contacts: contacts)
    }

    /// `contacts.count`.
    func count(project: String) async throws -> [UInt8] {
        let logger = self.logger
        let count = try await self.withConnection { connection in
            var count: Int64 = 0
            let rows = try await connection.query(
                "SELECT count(*) FROM contactd_contacts WHERE project = \(project) AND id IS NOT NULL",
                logger: logger
            )
            for try await value in rows.decode(Int64.self) { count = value }
            return count
        }
        var writer = ResponseWriter(status: .ok, success: true)
        writer.field("count", .int(count))
        return writer.body
    }

    /// The reply to `stats` (PROTOCOL.md section 5) from the project's rows: the same members as
    /// the embedded store's, with bytes counted as the text PostgreSQL holds (profiles; keys and
    /// remembered responses of keys not yet past 24 hours).
    func stats(project: String, now: Timestamp) async throws -> [UInt8] {
        let logger = self.logger
        let cutoff = now.milliseconds - IdempotencyCache.Limits.standard.maxAgeMilliseconds
        let figures = try await self.withConnection { connection in
            var figures: (Int64, Int64, Int64, Int64) = (0, 0, 0, 0)
            let rows = try await connection.query(
                """
                SELECT
                    (SELECT count(*) FROM contactd_contacts WHERE project = \(project) AND id IS NOT NULL),
                    (SELECT coalesce(sum(octet_length(profile)), 0)::bigint FROM contactd_contacts
                        WHERE project = \(project) AND id IS NOT NULL),
                    (SELECT count(*) FROM contactd_idempotency WHERE project = \(project) AND at >= \(cutoff)),
                    (SELECT coalesce(sum(octet_length(key) + octet_length(response)), 0)::bigint
                        FROM contactd_idempotency WHERE project = \(project) AND at >= \(cutoff))
                """,
                logger: logger
            )
            for try await row in rows.decode((Int64, Int64, Int64, Int64).self) { figures = row }
            return figures
        }
        var writer = ResponseWriter(status: .ok, success: true)
        writer.field("project", .string(project))
        writer.field("contacts", .int(figures.0))
        writer.field("idempotencyKeys", .int(figures.2))
        writer.field("profileBytes", .int(figures.1))
        writer.field("idempotencyBytes", .int(figures.3))
        return writer.body
    }

    /// The contacts `query` selects (it selects ``ContactRow/columns``).
    private func contacts(_ query: PostgresQuery) async throws -> [Contact] {
        let logger = self.logger
        return try await self.withConnection { connection in
            var contacts: [Contact] = []
            for try await row in try await connection.query(query, logger: logger) {
                if let contact = try ContactRow.decode(row) { contacts.append(contact) }
            }
            return contacts
        }
    }

    /// The reply of read `request` on a project holding just `contacts`.
    private static func answer(_ request: Request, project: String, contacts: [Contact]) -> [UInt8] {
        var state = ProjectState(name: project, contacts: contacts, remembering: [])
        let context = WriteContext(
            now: .now(),
            ids: ContactIDGenerator(),
            limits: ProtocolLimits(),
            fingerprint: Fingerprint(high: 0, low: 0)
        )
        return state.execute(request, context: context).body
    }
}
