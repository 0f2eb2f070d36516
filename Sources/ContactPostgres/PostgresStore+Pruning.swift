import ContactCore
import ContactStore
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// How often expired and surplus idempotency keys are deleted.
    static let pruneInterval: Duration = .seconds(60)

    /// Every ``pruneInterval``, deletes the idempotency keys PROTOCOL.md section 11 lets a
    /// project forget: older than 24 hours, or beyond its newest 100,000 keys or 64 MiB of keys
    /// and responses. One daemon at a time does it (a transaction-level advisory try-lock);
    /// until then a key past 24 hours is never replayed, its expiry is checked on use.
    func pruneIdempotencyKeys() async {
        let limits = IdempotencyCache.Limits.standard
        let logger = self.logger
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: Self.pruneInterval)
            } catch {
                return
            }
            guard self.schemaReady.load(ordering: .acquiring) else { continue }
            let cutoff = Timestamp.now().milliseconds - limits.maxAgeMilliseconds
            let maxKeys = Int64(limits.maxKeys)
            let maxBytes = Int64(limits.maxBytes)
            do {
                try await self.withConnection { connection in
                    try await Self.transaction(connection, logger: logger) { connection in
                        var mine = false
                        let lock = Schema.migrationLock &+ 1
                        let rows = try await connection.query(
                            "SELECT pg_try_advisory_xact_lock(\(lock))",
                            logger: logger
                        )
                        for try await locked in rows.decode(Bool.self) { mine = locked }
                        guard mine else { return }
                        try await connection.query(
                            "DELETE FROM contactd_idempotency WHERE at < \(cutoff)",
                            logger: logger
                        )
                        try await connection.query(
                            """
                            DELETE FROM contactd_idempotency AS i USING (
                                SELECT project, key FROM (
                                    SELECT project, key,
                                        row_number() OVER newest AS n,
                                        sum(octet_length(key) + octet_length(response)) OVER newest AS bytes
                                    FROM contactd_idempotency
                                    WINDOW newest AS (PARTITION BY project ORDER BY at DESC, key)
                                ) AS ranked WHERE n > \(maxKeys) OR bytes > \(maxBytes)
                            ) AS surplus
                            WHERE i.project = surplus.project AND i.key = surplus.key
                            """,
                            logger: logger
                        )
                    }
                }
            } catch {
                logger.debug("pruning idempotency keys failed: \(DatabaseFailure(error: error).message)")
            }
        }
    }
}
