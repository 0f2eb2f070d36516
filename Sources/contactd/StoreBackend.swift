import ContactPostgres
import ContactServer
import ContactStore
import ServiceLifecycle

/// The store the daemon serves: the embedded journaled one (default) or PostgreSQL (`--store`).
enum StoreBackend {
    /// The journal and snapshots of `--data`.
    case embedded(ContactStore)
    /// A PostgreSQL database shared with other daemons.
    case postgres(PostgresStore)

    /// The store the dispatcher runs requests through.
    var requestStore: any RequestStore {
        switch self {
        case .embedded(let store): return store
        case .postgres(let store): return store
        }
    }

    /// The store's snapshot, backup and figures for `admin.*` and the metrics; nil for PostgreSQL,
    /// which keeps its own (the admin methods answer that they are not available then).
    var administeredStore: (any AdministeredStore)? {
        switch self {
        case .embedded(let store): return store
        case .postgres: return nil
        }
    }

    /// The services to run beside `server`, in start order (graceful shutdown stops them in
    /// reverse: systemd pings, then the server, then the store's own).
    func services(server: ContactServer) -> [any Service] {
        switch self {
        case .embedded(let store):
            return [
                SnapshotService(store: store),
                server,
                SystemdService(store: store, connections: { server.connectionCount }),
            ]
        case .postgres(let store):
            return [
                store,
                server,
                SystemdService(status: { "serving from PostgreSQL, \(server.connectionCount) connections" }),
            ]
        }
    }
}
