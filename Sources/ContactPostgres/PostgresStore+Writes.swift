import ContactCore
import ContactStore
import Logging
import PostgresNIO

extension PostgresStore {
    /// How often a write whose transaction was chosen as a deadlock victim (or failed to
    /// serialise) is run again before the client gets 503.
    static let writeAttempts = 5

    /// Runs a write in one transaction; returns the response body and whether it is a replay.
    func write(_ request: Request, project: String, context: WriteContext) async throws -> ([UInt8], Bool) {
        var attempt = 1
        while true {
            do {
                let logger = self.logger
                return try await self.withConnection { connection in
                    try await Self.transaction(connection, logger: logger) { connection in
                        try await Self.apply(
                            request,
                            project: project,
                            context: context,
                            on: connection,
                            logger: logger
                        )
                    }
                }
            } catch {
                guard DatabaseFailure(error: error).isRetryable, attempt < Self.writeAttempts else { throw error }
                attempt += 1
            }
        }
    }

    /// The write's steps inside its transaction: lock its idempotency key, lock its rows (in
    /// bytewise id order, so daemons never deadlock on them), run it through ``ProjectState``,
    /// write the changes back in one statement.
    private static func apply(
        _ request: Request,
        project: String,
        context: WriteContext,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> ([UInt8], Bool) {
        var records: [IdempotencyRecord] = []
        if let key = Self.idempotencyKey(of: request) {
            if let record = try await Self.lockKey(key, project: project, on: connection, logger: logger) {
                records.append(record)
                let age = context.now.milliseconds - record.at.milliseconds
                if age <= IdempotencyCache.Limits.standard.maxAgeMilliseconds {
                    // A replay or a conflict: no contact is read or changed.
                    var state = ProjectState(name: project, contacts: [], remembering: records)
                    let outcome = state.execute(request, context: context)
                    return (outcome.body, outcome.replayOf != nil)
                }
            }
        }
        let ids = Self.batchIds(of: request)
        let (contacts, placeholders) = try await Self.lockRows(ids, project: project, on: connection, logger: logger)
        var state = ProjectState(name: project, contacts: contacts, remembering: records)
        let outcome = state.execute(request, context: context)
        try await Self.writeBack(
            outcome.changes,
            placeholders: placeholders,
            project: project,
            on: connection,
            logger: logger
        )
        return (outcome.body, outcome.replayOf != nil)
    }

    /// The write's `idempotencyKey`, if it has one.
    static func idempotencyKey(of request: Request) -> String? {
        switch request {
        case .upsert(let upsert): return upsert.idempotencyKey
        case .delete(let delete): return delete.idempotencyKey
        case .recordMessages(let record): return record.idempotencyKey
        case .ping, .get, .list, .count, .stats: return nil
        }
    }

    /// The distinct external ids a write may touch, in bytewise order.
    static func batchIds(of request: Request) -> [String] {
        var ids: [String] = []
        switch request {
        case .upsert(let upsert):
            for case .valid(let id, _, _) in upsert.entries { ids.append(id) }
        case .delete(let delete):
            ids = delete.ids
        case .recordMessages(let record):
            for case .valid(let id, _) in record.messages { ids.append(id) }
        case .ping, .get, .list, .count, .stats:
            break
        }
        var unique: [String] = []
        for id in ids.sorted(by: ExternalID.precedes) where unique.last != id {
            unique.append(id)
        }
        return unique
    }

    /// Takes the transaction's lock on `key` (a duplicate in flight waits here for the first)
    /// and reads its remembered record.
    private static func lockKey(
        _ key: String,
        project: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> IdempotencyRecord? {
        let lock = Self.lockNumber(project: project, key: key)
        try await connection.query("SELECT pg_advisory_xact_lock(\(lock))", logger: logger)
        let keyBytes = ByteBuffer(bytes: Array(key.utf8))
        let rows = try await connection.query(
            """
            SELECT fingerprint_high, fingerprint_low, response, at FROM contactd_idempotency
            WHERE project = \(project) AND key = \(keyBytes)
            """,
            logger: logger
        )
        var record: IdempotencyRecord?
        for try await (high, low, response, at) in rows.decode((Int64, Int64, String, Int64).self) {
            record = IdempotencyRecord(
                key: key,
                fingerprint: Fingerprint(high: UInt64(bitPattern: high), low: UInt64(bitPattern: low)),
                response: Array(response.utf8),
                at: Timestamp(milliseconds: at)
            )
        }
        return record
    }

    /// A 64-bit FNV-1a hash of the project and key: the same number in every daemon.
    static func lockNumber(project: String, key: String) -> Int64 {
        var hash = FNV1a()
        hash.add(project)
        hash.add(0)
        hash.add(key)
        return Int64(bitPattern: hash.value)
    }

    /// Makes every row of `ids` exist (placeholders with a NULL `id` for new ones) and locks
    /// them all; returns the existing contacts and the ids that are placeholders.
    private static func lockRows(
        _ ids: [String],
        project: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> ([Contact], [String]) {
        guard !ids.isEmpty else { return ([], []) }
        // A placeholder another transaction inserted and then deleted is neither inserted nor
        // locked by one round: the next round inserts it.
        for _ in 0..<Self.writeAttempts {
            try await connection.query(
                """
                INSERT INTO contactd_contacts (project, external_id)
                SELECT \(project), x.id FROM unnest(\(ids)::text[]) WITH ORDINALITY AS x(id, n) ORDER BY x.n
                ON CONFLICT DO NOTHING
                """,
                logger: logger
            )
            let rows = try await connection.query(
                """
                SELECT \(unescaped: ContactRow.columns) FROM contactd_contacts
                WHERE project = \(project) AND external_id = ANY(\(ids)::text[])
                ORDER BY external_id FOR UPDATE
                """,
                logger: logger
            )
            var contacts: [Contact] = []
            var placeholders: [String] = []
            var count = 0
            for try await row in rows {
                count += 1
                if let contact = try ContactRow.decode(row) {
                    contacts.append(contact)
                } else {
                    placeholders.append(try row.decode(String.self))
                }
            }
            if count == ids.count { return (contacts, placeholders) }
        }
        throw StoreError(.io, "could not lock the batch's rows; retry")
    }

    /// Writes `changes` back in one statement: the contacts put, the rows deleted (and every
    /// placeholder not filled), the idempotency record.
    private static func writeBack(
        _ changes: [Change],
        placeholders: [String],
        project: String,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        var put = PutColumns()
        var gone: [String] = []
        var remembered = RememberColumns()
        for change in changes {
            switch change {
            case .put(let contact), .update(let contact, _): put.append(contact)
            case .delete(let externalId): gone.append(externalId)
            case .remember(let record): remembered.append(record)
            }
        }
        let filled = Set(put.externalIds)
        gone += placeholders.filter { !filled.contains($0) }
        guard !put.externalIds.isEmpty || !gone.isEmpty || !remembered.keys.isEmpty else { return }
        try await connection.query(
            """
            WITH put AS (
                UPDATE contactd_contacts AS c SET id = u.id, profile = u.profile, stats = u.stats,
                    created_at = u.created_at, updated_at = u.updated_at
                FROM unnest(\(put.externalIds)::text[], \(put.ids)::text[], \(put.profiles)::text[],
                    \(put.stats)::text[], \(put.createdAt)::int8[], \(put.updatedAt)::int8[])
                    AS u(external_id, id, profile, stats, created_at, updated_at)
                WHERE c.project = \(project) AND c.external_id = u.external_id
            ), gone AS (
                DELETE FROM contactd_contacts WHERE project = \(project) AND external_id = ANY(\(gone)::text[])
            ), remembered AS (
                INSERT INTO contactd_idempotency (project, key, fingerprint_high, fingerprint_low, response, at)
                SELECT \(project), k.key, k.high, k.low, k.response, k.at
                FROM unnest(\(remembered.keys)::bytea[], \(remembered.high)::int8[], \(remembered.low)::int8[],
                    \(remembered.responses)::text[], \(remembered.at)::int8[]) AS k(key, high, low, response, at)
                ON CONFLICT (project, key) DO UPDATE SET fingerprint_high = EXCLUDED.fingerprint_high,
                    fingerprint_low = EXCLUDED.fingerprint_low, response = EXCLUDED.response, at = EXCLUDED.at
            )
            SELECT 1
            """,
            logger: logger
        )
    }
}

/// The contacts a write puts, as one array per column.
private struct PutColumns {
    var externalIds: [String] = []
    var ids: [String] = []
    var profiles: [String] = []
    var stats: [String] = []
    var createdAt: [Int64] = []
    var updatedAt: [Int64] = []

    mutating func append(_ contact: Contact) {
        self.externalIds.append(contact.externalId)
        self.ids.append(contact.id.description)
        self.profiles.append(String(decoding: contact.profile, as: UTF8.self))
        self.stats.append(ContactRow.text(of: contact.stats))
        self.createdAt.append(contact.createdAt.milliseconds)
        self.updatedAt.append(contact.updatedAt.milliseconds)
    }
}

/// The idempotency records a write remembers, as one array per column.
private struct RememberColumns {
    var keys: [ByteBuffer] = []
    var high: [Int64] = []
    var low: [Int64] = []
    var responses: [String] = []
    var at: [Int64] = []

    mutating func append(_ record: IdempotencyRecord) {
        self.keys.append(ByteBuffer(bytes: Array(record.key.utf8)))
        self.high.append(Int64(bitPattern: record.fingerprint.high))
        self.low.append(Int64(bitPattern: record.fingerprint.low))
        self.responses.append(String(decoding: record.response, as: UTF8.self))
        self.at.append(record.at.milliseconds)
    }
}
