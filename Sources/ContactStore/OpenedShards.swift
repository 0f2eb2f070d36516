import ContactCore
import Glibc
import Logging

/// The shards and journals recovery hands to the store, after the folder is made ready for
/// appending.
struct OpenedShards: Sendable {
    var shards: [Shard]
    var journals: [Journal]
    var lastSnapshots: [UInt64]

    /// Removes leftover files, truncates torn tails, opens the journals; rewrites the folder in
    /// the new layout when the shard count changed.
    static func make(
        survey: FolderSurvey,
        loaded: [Recovery.LoadedShard],
        shardCount: Int,
        fsync: FsyncMode,
        operations: JournalFileOperations,
        logger: Logger
    ) throws(StoreError) -> OpenedShards {
        let directory = survey.directory
        let oldCount = survey.shardCount ?? shardCount
        // Each project must be on the shard its name hashes to.
        var seen: [String: Int] = [:]
        for (index, shard) in loaded.enumerated() {
            for state in shard.states {
                if let other = seen.updateValue(index, forKey: state.name) {
                    throw StoreError(
                        .damaged,
                        "\(directory): damaged data: project \(state.name) is stored in shards \(other) and \(index)"
                    )
                }
                guard Shard.index(ofProject: state.name, shardCount: oldCount) == index else {
                    throw StoreError(
                        .damaged,
                        "\(directory): damaged data: project \(state.name) is stored in shard \(index), "
                            + "not the shard its name belongs to"
                    )
                }
            }
        }
        // Every check has passed: from here on files change.
        var removals = survey.temporary.map { DataDirectory.path(directory, $0) }
        removals += survey.files.filter { $0.shards != oldCount }.map { DataDirectory.path(directory, $0.name) }
        removals += loaded.flatMap(\.obsolete)
        for path in removals {
            if let failure = DataDirectory.remove(path) { logger.warning("\(failure)") }
        }
        if survey.layoutFile != oldCount {
            try DataDirectory.writeLayout(directory, shards: oldCount)
        }

        if oldCount == shardCount {
            // Open every segment first, so a failure leaves no writer thread behind.
            var segments: [(fd: Int32, codec: FrameCodec, start: UInt64, bytes: Int)] = []
            do throws(StoreError) {
                for index in 0..<shardCount {
                    segments.append(
                        try Recovery.openForAppend(
                            index < loaded.count ? loaded[index] : .empty,
                            shard: index,
                            shards: shardCount,
                            directory: directory,
                            logger: logger
                        )
                    )
                }
            } catch {
                for segment in segments { close(segment.fd) }
                throw error
            }
            var shards: [Shard] = []
            var journals: [Journal] = []
            var lastSnapshots: [UInt64] = []
            for (index, segment) in segments.enumerated() {
                let shard = index < loaded.count ? loaded[index] : .empty
                let journal = Journal(
                    directory: directory,
                    shard: index,
                    shards: shardCount,
                    mode: fsync,
                    fd: segment.fd,
                    codec: segment.codec,
                    segmentStart: segment.start,
                    segmentBytes: segment.bytes,
                    lastSequence: shard.lastSequence,
                    operations: operations,
                    logger: logger
                )
                journals.append(journal)
                shards.append(Shard(index: index, log: journal, states: shard.states))
                // With no snapshot yet, an empty shard has nothing to snapshot (a snapshot at 1
                // would hold nothing) and any other has.
                lastSnapshots.append(shard.snapshotSequence ?? (shard.lastSequence == 0 ? 1 : 0))
            }
            return OpenedShards(shards: shards, journals: journals, lastSnapshots: lastSnapshots)
        }
        return try self.reshard(
            loaded: loaded,
            from: oldCount,
            to: shardCount,
            survey: survey,
            fsync: fsync,
            operations: operations,
            logger: logger
        )
    }
}
