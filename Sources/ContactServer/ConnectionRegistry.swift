import NIOCore
import Synchronization

/// The open connections: counted for the limit and for systemd's STATUS, and told to stop
/// reading at shutdown.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var shuttingDown = false
    }

    private let state = Mutex(State())

    /// True once the server has begun to shut down.
    var isStopping: Bool { self.state.withLock { $0.shuttingDown } }

    /// The number of open connections.
    var count: Int { self.state.withLock { $0.channels.count } }

    /// Adds `channel` unless `limit` connections are open or the server is shutting down.
    func admit(_ channel: any Channel, limit: Int) -> Bool {
        self.state.withLock { state in
            guard !state.shuttingDown, state.channels.count < limit else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    /// Forgets `channel`.
    func remove(_ channel: any Channel) {
        _ = self.state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Stops reading from every connection: requests already read are still answered.
    func stopReading() {
        let channels = self.state.withLock { state in
            state.shuttingDown = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.close(mode: .input, promise: nil)
        }
    }

    /// Closes every connection at once.
    func closeAll() {
        let channels = self.state.withLock { Array($0.channels.values) }
        for channel in channels {
            channel.close(promise: nil)
        }
    }
}
