import ContactCore
import Glibc

extension ContactStore: AdministeredStore {
    /// Projects, contacts and each shard's journal, snapshot and health.
    public func report() async -> StoreReport {
        let (projects, contacts) = await self.statistics()
        let files = self.persistence.flatMap { try? self.newestSnapshots($0) } ?? [:]
        let shards = self.shards.map { shard in
            ShardReport(
                index: shard.index,
                journalBytes: self.persistence?.journals[shard.index].segmentBytes ?? 0,
                degraded: shard.isDegraded,
                lastSnapshot: files[shard.index]
            )
        }
        return StoreReport(projects: projects, contacts: contacts, shards: shards)
    }

    /// Snapshots every shard that has records its newest snapshot lacks, then reports each
    /// shard's newest snapshot. Throws for a store kept in memory.
    public func snapshotNow() async throws(StoreError) -> [ShardSnapshot] {
        let persistence = try self.requirePersistence("snapshot")
        var written: [Bool] = []
        for index in self.shards.indices {
            written.append(try await self.snapshot(shard: index) != nil)
        }
        let files = try self.newestSnapshots(persistence)
        return self.shards.indices.map { ShardSnapshot(shard: $0, written: written[$0], file: files[$0]) }
    }

    /// Snapshots every shard, then, shard by shard with its snapshots held off, hard-links its
    /// newest snapshot and closed journal segments into a new folder and copies the acknowledged
    /// part of its open segment; adds LAYOUT (and keys.json when the data folder has one), syncs,
    /// and renames the folder to `path`. Throws ``StoreError/Code/alreadyRunning`` while another
    /// backup to `path` runs.
    public func backup(to path: String) async throws(StoreError) -> BackupSummary {
        let persistence = try self.requirePersistence("backup")
        guard access(path, F_OK) != 0 else { throw StoreError(.io, "\(path) exists already") }
        guard BackupFiles.claim(path) else {
            throw StoreError(.alreadyRunning, "a backup to \(path) is being written already")
        }
        defer { BackupFiles.release(path) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let name = String(parts.last ?? "")
        let parent =
            parts.count == 1
            ? "." : (parts.count == 2 && parts[0].isEmpty ? "/" : parts.dropLast().joined(separator: "/"))
        let partial = DataDirectory.path(parent, ".\(name).partial")
        try BackupFiles.removeUnfinished(partial)
        try DataDirectory.createDirectory(partial)
        var summary = BackupSummary(path: path, files: 0, linkedBytes: 0, copiedBytes: 0)
        do throws(StoreError) {
            for index in self.shards.indices {
                try await self.snapshot(shard: index)
                try await self.copyShard(index, persistence: persistence, into: partial, summary: &summary)
            }
            let directory = persistence.directory
            for extra in [DataDirectory.layoutName, "keys.json"]
            where access(DataDirectory.path(directory, extra), F_OK) == 0 {
                summary.copiedBytes += try BackupFiles.copy(
                    DataDirectory.path(directory, extra),
                    to: DataDirectory.path(partial, extra),
                    bytes: nil
                )
                summary.files += 1
            }
            try DataDirectory.syncDirectory(partial)
            guard access(path, F_OK) != 0 else { throw StoreError(.io, "\(path) exists already") }
            guard rename(partial, path) == 0 else {
                throw StoreError(.io, "cannot rename \(partial) to \(path): \(SystemError.describe(errno))")
            }
            try DataDirectory.syncDirectory(parent)
        } catch {
            try? BackupFiles.removeUnfinished(partial)
            throw error
        }
        return summary
    }

    /// Links or copies shard `index`'s newest snapshot and the journal segments after it.
    private func copyShard(
        _ index: Int,
        persistence: Persistence,
        into target: String,
        summary: inout BackupSummary
    ) async throws(StoreError) {
        let gate = persistence.gates[index]
        await gate.enter()
        defer { gate.leave() }
        let journal = persistence.journals[index]
        let openBytes = journal.acknowledgedBytes
        let files = try DataDirectory.list(persistence.directory).compactMap(DataDirectory.FileName.init(parsing:))
            .filter { $0.shards == self.shards.count && $0.shard == index }
        let snapshot = files.filter { $0.kind == .snapshot }.max()
        let segments = files.filter { $0.kind == .journal && $0.sequence >= (snapshot?.sequence ?? 0) }.sorted()
        for file in (snapshot.map { [$0] } ?? []) + segments {
            let source = DataDirectory.path(persistence.directory, file.name)
            let destination = DataDirectory.path(target, file.name)
            if file == segments.last {
                summary.copiedBytes += try BackupFiles.copy(source, to: destination, bytes: openBytes)
            } else if try BackupFiles.linkOrCopy(source, to: destination) {
                summary.linkedBytes += BackupFiles.info(source)?.bytes ?? 0
            } else {
                summary.copiedBytes += BackupFiles.info(source)?.bytes ?? 0
            }
            summary.files += 1
        }
    }

    /// Each shard's newest snapshot file in the current layout.
    private func newestSnapshots(_ persistence: Persistence) throws(StoreError) -> [Int: SnapshotFileInfo] {
        var newest: [Int: DataDirectory.FileName] = [:]
        for case let file? in try DataDirectory.list(persistence.directory).map(DataDirectory.FileName.init(parsing:))
        where file.kind == .snapshot && file.shards == self.shards.count {
            if newest[file.shard].map({ $0.sequence < file.sequence }) ?? true { newest[file.shard] = file }
        }
        return newest.compactMapValues { BackupFiles.info(DataDirectory.path(persistence.directory, $0.name)) }
    }

    private func requirePersistence(_ operation: String) throws(StoreError) -> Persistence {
        guard let persistence = self.persistence else {
            throw StoreError(.io, "a store kept in memory has no files to \(operation)")
        }
        return persistence
    }
}
