import ContactCore
import Glibc
import Logging

extension OpenedShards {
    /// Moves every project of a folder written with `oldCount` shards into a layout of
    /// `shardCount`: writes each new shard's snapshot (at sequence 1) and an empty journal,
    /// switches LAYOUT to the new count, then removes the old layout's files. Remembered
    /// idempotency keys move with their projects (section 11: keys survive shard changes).
    static func reshard(
        loaded: [Recovery.LoadedShard],
        from oldCount: Int,
        to shardCount: Int,
        survey: FolderSurvey,
        fsync: FsyncMode,
        operations: JournalFileOperations,
        logger: Logger
    ) throws(StoreError) -> OpenedShards {
        let directory = survey.directory
        // A new shard count: write every project into the new layout (snapshots at sequence 1,
        // empty journals), switch LAYOUT to it, then remove the old layout's files.
        var states = [[ProjectState]](repeating: [], count: shardCount)
        for shard in loaded {
            for state in shard.states {
                states[Shard.index(ofProject: state.name, shardCount: shardCount)].append(state)
            }
        }
        var descriptors: [JournalSegment.Opened] = []
        do throws(StoreError) {
            for index in 0..<shardCount {
                _ = try SnapshotFile.write(
                    states[index],
                    directory: directory,
                    shard: index,
                    shards: shardCount,
                    sequence: 1
                )
                descriptors.append(
                    try Recovery.create(directory: directory, shard: index, shards: shardCount, start: 1)
                )
            }
            try DataDirectory.writeLayout(directory, shards: shardCount)
        } catch {
            for opened in descriptors { close(opened.fd) }
            throw error
        }
        for file in survey.files where file.shards == oldCount {
            if let failure = DataDirectory.remove(DataDirectory.path(directory, file.name)) {
                logger.warning("\(failure)")
            }
        }
        logger.notice(
            "\(directory): moved \(loaded.reduce(0) { $0 + $1.states.count }) projects from \(oldCount) to \(shardCount) shards"
        )
        var shards: [Shard] = []
        var journals: [Journal] = []
        for index in 0..<shardCount {
            let journal = Journal(
                directory: directory,
                shard: index,
                shards: shardCount,
                mode: fsync,
                fd: descriptors[index].fd,
                codec: descriptors[index].codec,
                segmentStart: 1,
                segmentBytes: descriptors[index].bytes,
                lastSequence: 0,
                operations: operations,
                logger: logger
            )
            journals.append(journal)
            shards.append(Shard(index: index, log: journal, states: states[index]))
        }
        return OpenedShards(
            shards: shards,
            journals: journals,
            lastSnapshots: Array(repeating: 1, count: shardCount)
        )
    }
}
