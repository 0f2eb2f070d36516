import ContactCore
import Glibc
public import Logging
import Synchronization

extension ContactStore {
    /// Opens the store kept in `directory` (created when missing): locks the folder, loads each
    /// shard's newest snapshot, replays its journal, truncates a torn journal tail, and, when the
    /// folder was written with another shard count, redistributes the projects and rewrites the
    /// folder in the new layout before returning.
    ///
    /// Throws ``StoreError/Code/alreadyRunning`` when another process holds the folder,
    /// ``StoreError/Code/damaged`` (naming the file and byte offset, files untouched) when a
    /// snapshot fails its checksum or a bad journal record is followed by a valid one, and
    /// ``StoreError/Code/io`` for other failures.
    ///
    /// - Parameters:
    ///   - shardCount: how many shards, each with its own journal (`--shards`).
    ///   - fsync: when a journal write counts as durable (`--fsync`).
    ///   - snapshotInterval: how often ``runSnapshots()`` snapshots (`--snapshot-interval`).
    ///   - journalLimitBytes: a shard whose journal grows past this is snapshotted early.
    ///   - logger: where the store reports what it repaired, failures and recoveries.
    public static func open(
        directory: String,
        shardCount: Int,
        fsync: FsyncMode = .always,
        snapshotInterval: Duration = .seconds(60),
        journalLimitBytes: Int = 64 << 20,
        logger: Logger = Logger(label: "contactd.storage")
    ) async throws(StoreError) -> ContactStore {
        try await self.open(
            directory: directory,
            shardCount: shardCount,
            fsync: fsync,
            snapshotInterval: snapshotInterval,
            journalLimitBytes: journalLimitBytes,
            operations: .system,
            logger: logger
        )
    }

    /// ``open(directory:shardCount:fsync:snapshotInterval:journalLimitBytes:)`` with the journal
    /// writers' system calls replaced (tests inject failures here).
    static func open(
        directory: String,
        shardCount: Int,
        fsync: FsyncMode,
        snapshotInterval: Duration,
        journalLimitBytes: Int,
        operations: JournalFileOperations,
        logger: Logger = Logger(label: "contactd.storage")
    ) async throws(StoreError) -> ContactStore {
        guard shardCount > 0 else { throw StoreError(.io, "the shard count must be at least 1, got \(shardCount)") }
        let survey = try await DedicatedThread.run(name: "recover") { () throws(StoreError) -> FolderSurvey in
            try FolderSurvey.take(directory)
        }
        do throws(StoreError) {
            let loaded = try await self.loadShards(survey)
            let prepared = try await DedicatedThread.run(name: "recover") { () throws(StoreError) -> OpenedShards in
                try OpenedShards.make(
                    survey: survey,
                    loaded: loaded,
                    shardCount: shardCount,
                    fsync: fsync,
                    operations: operations,
                    logger: logger
                )
            }
            let persistence = Persistence(
                directory: survey.directory,
                journals: prepared.journals,
                lastSnapshots: prepared.lastSnapshots,
                lockFD: survey.lockFD,
                snapshotInterval: snapshotInterval,
                journalLimitBytes: journalLimitBytes,
                logger: logger
            )
            return ContactStore(shards: prepared.shards, persistence: persistence)
        } catch {
            Glibc.close(survey.lockFD)
            throw error
        }
    }

    /// Loads every shard of the folder's layout, each on its own thread.
    private static func loadShards(_ survey: FolderSurvey) async throws(StoreError) -> [Recovery.LoadedShard] {
        guard let count = survey.shardCount else { return [] }
        let results = await withTaskGroup(of: (Int, Result<Recovery.LoadedShard, StoreError>).self) { group in
            for shard in 0..<count {
                let files = survey.files.filter { $0.shards == count && $0.shard == shard }
                group.addTask {
                    do throws(StoreError) {
                        let loaded = try await DedicatedThread.run(name: "recover-\(shard)") {
                            () throws(StoreError) -> Recovery.LoadedShard in
                            try Recovery.load(shard: shard, shards: count, files: files, directory: survey.directory)
                        }
                        return (shard, .success(loaded))
                    } catch {
                        return (shard, .failure(error))
                    }
                }
            }
            var results: [Result<Recovery.LoadedShard, StoreError>?] = Array(repeating: nil, count: count)
            for await (shard, result) in group { results[shard] = result }
            return results
        }
        return try results.map { result throws(StoreError) in try result!.get() }
    }
}
