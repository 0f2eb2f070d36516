import Glibc

extension ContactStore {
    /// Writes a final snapshot of every shard, stops the journal writers (after writing and
    /// syncing what they hold) and releases the folder's lock. A shard whose journal failed is
    /// not snapshotted (its copies may hold changes that were refused); its failure is thrown
    /// after everything else is done. Calling it again does nothing.
    public func close() async throws(StoreError) {
        guard let persistence = self.persistence, persistence.markClosed() else { return }
        var first: StoreError?
        for index in self.shards.indices {
            if let failure = persistence.journals[index].failure {
                first = first ?? failure
                continue
            }
            do throws(StoreError) {
                try await self.snapshot(shard: index)
            } catch {
                first = first ?? error
            }
        }
        for journal in persistence.journals { await journal.close() }
        persistence.releaseLock()
        if let first { throw first }
    }

    // MARK: - Testing

    /// Stops the journal writers (after they write and sync what they hold) and releases the
    /// lock without a final snapshot, as if the process died right after its last write: for
    /// recovery tests.
    func closeWithoutSnapshot() async {
        guard let persistence = self.persistence, persistence.markClosed() else { return }
        for journal in persistence.journals { await journal.close() }
        persistence.releaseLock()
    }
}
