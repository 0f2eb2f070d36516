import ContactStore
import Logging
import PostgresNIO

/// The tables contactd keeps in PostgreSQL, and their creation and upgrades.
///
/// Every table is keyed by project first, so that a Citus deployment can distribute them by
/// `project` (`SELECT create_distributed_table('contactd_contacts', 'project')`, and the same for
/// `contactd_idempotency`). `contactd_schema` holds the version; a daemon migrates on start in
/// one transaction under an advisory lock, so two daemons starting at once do not both migrate.
enum Schema {
    /// The version this daemon writes.
    static let version = 1

    /// The advisory lock key held while migrating (`contactd` in ASCII).
    static let migrationLock: Int64 = 0x636f_6e74_6163_7464

    /// The statements that take the schema from version `index` to `index + 1`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE contactd_contacts (
                project text NOT NULL,
                external_id text COLLATE "C" NOT NULL,
                id text,
                profile text,
                stats text,
                created_at bigint,
                updated_at bigint,
                PRIMARY KEY (project, external_id)
            )
            """,
            """
            CREATE TABLE contactd_idempotency (
                project text NOT NULL,
                key bytea NOT NULL,
                fingerprint_high bigint NOT NULL,
                fingerprint_low bigint NOT NULL,
                response text NOT NULL,
                at bigint NOT NULL,
                PRIMARY KEY (project, key)
            )
            """,
            "CREATE INDEX contactd_idempotency_at ON contactd_idempotency (project, at)",
        ]
    ]

    /// Creates or upgrades the tables; throws when the database's schema is newer than this
    /// daemon's or a statement fails.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS contactd_schema (version integer NOT NULL)",
            logger: logger
        )
        var current = 0
        for try await version in try await connection.query(
            "SELECT coalesce(max(version), 0) FROM contactd_schema",
            logger: logger
        ).decode(Int32.self) {
            current = Int(version)
        }
        if current > Self.version {
            throw StoreError(
                .damaged,
                "the database holds schema version \(current), newer than this contactd's \(Self.version); "
                    + "run a newer contactd"
            )
        }
        guard current < Self.version else { return }
        for step in current..<Self.version {
            for statement in Self.migrations[step] {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
        try await connection.query("DELETE FROM contactd_schema", logger: logger)
        let version = Int32(Self.version)
        try await connection.query("INSERT INTO contactd_schema (version) VALUES (\(version))", logger: logger)
        logger.notice("PostgreSQL schema upgraded from version \(current) to \(Self.version)")
    }
}
