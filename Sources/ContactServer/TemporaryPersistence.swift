import ContactStore

// Stand-in until the durable store lands: keeps everything in memory.

extension ContactStore {
    public static func openStore(directory: String, shardCount: Int, fsync: FsyncMode, snapshotInterval: Duration) async throws(StoreError) -> ContactStore {
        .inMemory(shardCount: shardCount)
    }

    public func runSnapshots() async { while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) } }

    public func close() async throws(StoreError) {}
}
