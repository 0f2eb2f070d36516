public import ContactStore
public import ServiceLifecycle

/// Writes the store's periodic snapshots until graceful shutdown (the final snapshot is
/// written by the daemon after the server has answered its last request).
public struct SnapshotService: Service {
    private let store: ContactStore

    /// A service snapshotting `store`.
    public init(store: ContactStore) {
        self.store = store
    }

    /// Runs the snapshot loop until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.store.runSnapshots()
        }
    }
}
