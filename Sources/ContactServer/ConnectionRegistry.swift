import Synchronization

/// The open connections: counted for the limit and for systemd's STATUS, and told when the
/// server begins to shut down.
final class ConnectionRegistry: Sendable {
    private struct State {
        var connections: [ObjectIdentifier: ClientConnection] = [:]
        var shuttingDown = false
    }

    private let state = Mutex(State())

    /// The number of open connections.
    var count: Int { self.state.withLock { $0.connections.count } }

    /// Adds `connection` unless `limit` connections are open or the server is shutting down.
    func admit(_ connection: ClientConnection, limit: Int) -> Bool {
        self.state.withLock { state in
            guard !state.shuttingDown, state.connections.count < limit else { return false }
            state.connections[ObjectIdentifier(connection)] = connection
            return true
        }
    }

    /// Forgets `connection`.
    func remove(_ connection: ClientConnection) {
        _ = self.state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// Shutdown begins: every connection stops reading, answers what it read, and is closed at
    /// its grace deadline if its client does not read.
    func beginShutdown() {
        let connections = self.state.withLock { state in
            state.shuttingDown = true
            return Array(state.connections.values)
        }
        for connection in connections {
            connection.beginShutdown()
        }
    }
}
