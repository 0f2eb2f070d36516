public import ContactCore
public import ContactStore
public import Logging
import PostgresNIO
public import ServiceLifecycle
import Synchronization

/// Contacts kept in PostgreSQL (PROTOCOL.md section 13): many daemons, on one host or many, may
/// serve the same database at once.
///
/// Each write is one transaction that locks the rows of its batch, runs the request through the
/// same ``ProjectState`` rules as the embedded store on just those contacts, writes the changes
/// back and remembers its idempotency key, then commits; the reply is written after the commit.
/// Reads go straight to SQL and answer with the same bytes as the embedded store.
///
/// Run it as a service (``run()``): that runs the connection pool and forgets expired
/// idempotency keys. A database that cannot be reached makes requests throw (503), and the pool
/// reconnects by itself.
public final class PostgresStore: RequestStore, Service {
    let client: PostgresClient
    let logger: Logger
    /// How long a request waits for a pooled connection before it gets 503.
    let connectionWait: Duration
    /// True once this daemon knows the schema is at its version.
    let schemaReady = Atomic<Bool>(false)

    private init(client: PostgresClient, connectionWait: Duration, logger: Logger) {
        self.client = client
        self.connectionWait = connectionWait
        self.logger = logger
    }

    /// A store on the database `url` names, with at most `poolSize` connections; a request
    /// waits at most `connectionWait` for a connection.
    ///
    /// Connects once to create or upgrade the schema. Throws when the server refuses (wrong
    /// password, no such database, no TLS where `sslmode` requires it, a schema newer than this
    /// daemon's); a server that cannot be
    /// reached yet is logged and the schema is made by the first request that reaches it.
    public static func open(
        url: PostgresURL,
        poolSize: Int,
        connectionWait: Duration,
        logger: Logger
    ) async throws(StoreError) -> PostgresStore {
        let settings = ConnectionSettings(url: url)
        var configuration = settings.clientConfiguration
        configuration.options.maximumConnections = poolSize
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let store = PostgresStore(client: client, connectionWait: connectionWait, logger: logger)
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try settings.connectionConfiguration(),
                id: 0,
                logger: logger
            )
            do {
                try await Self.transaction(connection, logger: logger) { connection in
                    try await Schema.migrate(connection, logger: logger)
                }
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
            store.schemaReady.store(true, ordering: .releasing)
        } catch {
            let failure = DatabaseFailure(error: error)
            if failure.isRefusal || error is StoreError {
                throw StoreError(.io, "\(url.redacted): \(failure.message)")
            }
            logger.warning(
                "PostgreSQL \(url.redacted) cannot be reached yet; requests get 503 until it can",
                metadata: ["reason": "\(failure.message)"]
            )
        }
        return store
    }

    /// Runs the connection pool and the pruning of expired idempotency keys until graceful
    /// shutdown.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            group.addTask {
                await cancelWhenGracefulShutdown { await self.pruneIdempotencyKeys() }
            }
        }
    }

    /// Runs `request` for `project`: a write in one transaction, a read with one statement.
    public func run(_ request: Request, project: String, context: WriteContext) async throws(StoreError) -> StoreReply {
        do {
            try await self.ensureSchema()
            let body: [UInt8]
            var replayed = false
            switch request {
            case .ping:
                var state = ProjectState(name: project)
                body = state.execute(request, context: context).body
            case .upsert, .delete, .recordMessages:
                (body, replayed) = try await self.write(request, project: project, context: context)
            case .get(let id):
                body = try await self.get(id, project: project)
            case .list(let limit, let cursor):
                body = try await self.list(limit: limit, after: cursor?.after, project: project)
            case .count:
                body = try await self.count(project: project)
            case .stats:
                body = try await self.stats(project: project, now: context.now)
            }
            return StoreReply(body: body, replayed: replayed, durability: .durable)
        } catch {
            let failure = DatabaseFailure(error: error)
            self.logger.warning("request failed: \(failure.message)", metadata: ["project": "\(project)"])
            throw failure.storeError
        }
    }

    /// Creates or upgrades the schema when the start could not.
    private func ensureSchema() async throws {
        if self.schemaReady.load(ordering: .acquiring) { return }
        let logger = self.logger
        try await self.withConnection { connection in
            try await Self.transaction(connection, logger: logger) { connection in
                try await Schema.migrate(connection, logger: logger)
            }
        }
        self.schemaReady.store(true, ordering: .releasing)
    }

    /// Runs `body` between `BEGIN` and `COMMIT` on `connection`, rolling back when it throws.
    static func transaction<Result: Sendable>(
        _ connection: PostgresConnection,
        logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await connection.query("BEGIN", logger: logger)
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
        try await connection.query("COMMIT", logger: logger)
        return result
    }
}
