import ContactCore
import Glibc
import Synchronization

// MARK: - Opening

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
    public static func open(
        directory: String,
        shardCount: Int,
        fsync: FsyncMode = .always,
        snapshotInterval: Duration = .seconds(60),
        journalLimitBytes: Int = 64 << 20
    ) async throws(StoreError) -> ContactStore {
        try await self.open(
            directory: directory,
            shardCount: shardCount,
            fsync: fsync,
            snapshotInterval: snapshotInterval,
            journalLimitBytes: journalLimitBytes,
            operations: .system
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
        operations: JournalFileOperations
    ) async throws(StoreError) -> ContactStore {
        guard shardCount > 0 else { throw StoreError(.io, "the shard count must be at least 1, got \(shardCount)") }
        let survey = try await DedicatedThread.run(name: "recover") { () throws(StoreError) -> Survey in
            try Survey.take(directory)
        }
        do throws(StoreError) {
            let loaded = try await self.loadShards(survey)
            let prepared = try await DedicatedThread.run(name: "recover") { () throws(StoreError) -> Prepared in
                try Prepared.make(
                    survey: survey,
                    loaded: loaded,
                    shardCount: shardCount,
                    fsync: fsync,
                    operations: operations
                )
            }
            let persistence = Persistence(
                directory: survey.directory,
                journals: prepared.journals,
                lastSnapshots: prepared.lastSnapshots,
                lockFD: survey.lockFD,
                snapshotInterval: snapshotInterval,
                journalLimitBytes: journalLimitBytes
            )
            return ContactStore(shards: prepared.shards, persistence: persistence)
        } catch {
            Glibc.close(survey.lockFD)
            throw error
        }
    }

    /// Loads every shard of the folder's layout, each on its own thread.
    private static func loadShards(_ survey: Survey) async throws(StoreError) -> [Recovery.LoadedShard] {
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

/// What the data folder holds before anything is loaded; the lock is taken.
private struct Survey: Sendable {
    var directory: String
    var lockFD: Int32
    /// The count the LAYOUT file names, if there is one.
    var layoutFile: Int?
    /// The layout the data files are in: LAYOUT's, or the one count all files agree on; nil
    /// for a new folder.
    var shardCount: Int?
    var files: [DataDirectory.FileName]
    var temporary: [String]

    /// Creates the folder if needed, locks it and lists it.
    static func take(_ directory: String) throws(StoreError) -> Survey {
        try DataDirectory.createDirectory(directory)
        let lockFD = try DataDirectory.lock(directory)
        do throws(StoreError) {
            let names = try DataDirectory.list(directory)
            let files = names.compactMap(DataDirectory.FileName.init(parsing:))
            let temporary = names.filter { $0.hasSuffix(DataDirectory.temporarySuffix) }
            let layout = try DataDirectory.readLayout(directory)
            var shardCount = layout
            if shardCount == nil && !files.isEmpty {
                let counts = Set(files.map(\.shards))
                guard counts.count == 1 else {
                    throw StoreError(
                        .damaged,
                        "\(DataDirectory.path(directory, DataDirectory.layoutName)): damaged layout at byte 0 "
                            + "(the file is missing and data files of shard counts \(counts.sorted()) exist)"
                    )
                }
                shardCount = counts.first
            }
            return Survey(
                directory: directory,
                lockFD: lockFD,
                layoutFile: layout,
                shardCount: shardCount,
                files: files,
                temporary: temporary
            )
        } catch {
            Glibc.close(lockFD)
            throw error
        }
    }
}

/// The shards and journals recovery hands to the store, after the folder is made ready for
/// appending.
private struct Prepared: Sendable {
    var shards: [Shard]
    var journals: [Journal]
    var lastSnapshots: [UInt64]

    /// Removes leftover files, truncates torn tails, opens the journals; rewrites the folder in
    /// the new layout when the shard count changed.
    static func make(
        survey: Survey,
        loaded: [Recovery.LoadedShard],
        shardCount: Int,
        fsync: FsyncMode,
        operations: JournalFileOperations
    ) throws(StoreError) -> Prepared {
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
        for name in survey.temporary { DataDirectory.remove(DataDirectory.path(directory, name)) }
        for file in survey.files where file.shards != oldCount {
            DataDirectory.remove(DataDirectory.path(directory, file.name))
        }
        for shard in loaded {
            for path in shard.obsolete { DataDirectory.remove(path) }
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
                            directory: directory
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
                    operations: operations
                )
                journals.append(journal)
                shards.append(Shard(index: index, log: journal, states: shard.states))
                // With no snapshot yet, an empty shard has nothing to snapshot (a snapshot at 1
                // would hold nothing) and any other has.
                lastSnapshots.append(shard.snapshotSequence ?? (shard.lastSequence == 0 ? 1 : 0))
            }
            return Prepared(shards: shards, journals: journals, lastSnapshots: lastSnapshots)
        }

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
            DataDirectory.remove(DataDirectory.path(directory, file.name))
        }
        SystemError.log(
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
                operations: operations
            )
            journals.append(journal)
            shards.append(Shard(index: index, log: journal, states: states[index]))
        }
        return Prepared(
            shards: shards,
            journals: journals,
            lastSnapshots: Array(repeating: 1, count: shardCount)
        )
    }
}

// MARK: - Snapshots and closing

extension ContactStore {
    /// Snapshots every shard that has records its last snapshot lacks (see
    /// ``snapshot(shard:)``); a failing shard does not stop the others, and the first failure
    /// is thrown at the end. Does nothing for a store in memory.
    public func snapshot() async throws(StoreError) {
        guard self.persistence != nil else { return }
        var first: StoreError?
        for index in self.shards.indices {
            do throws(StoreError) {
                try await self.snapshot(shard: index)
            } catch {
                first = first ?? error
            }
        }
        if let first { throw first }
    }

    /// Snapshots shard `index` while writes go on: rotates its journal to a new segment starting
    /// at S, copies every project (each copy holds at least every record < S; replaying records
    /// >= S on top is correct because every change sets or deletes one contact or key), writes
    /// the copies to a temporary file, fsyncs, renames it into place, fsyncs the folder, then
    /// removes the snapshots and journal segments it covers. Returns what was written, or nil
    /// when the shard had no record since its last snapshot.
    @discardableResult
    public func snapshot(shard index: Int) async throws(StoreError) -> SnapshotSummary? {
        guard let persistence = self.persistence else { return nil }
        let gate = persistence.gates[index]
        await gate.enter()
        defer { gate.leave() }
        let journal = persistence.journals[index]
        let clock = ContinuousClock()
        let started = clock.now
        let sequence = try await journal.rotate()
        if sequence == persistence.lastSnapshot(of: index) { return nil }
        let lossesBefore = journal.losses
        var states: [ProjectState] = []
        for project in self.shards[index].allProjects {
            let state = await project.snapshot()
            if state.contacts.count > 0 || state.idempotency.count > 0 { states.append(state) }
        }
        states.sort { ExternalID.precedes($0.name, $1.name) }
        let copies = states
        // The copies may hold records >= S that are appended but not yet written; never persist
        // a change whose request could still fail.
        try await journal.waitUntilDurable(journal.lastAppended)
        guard journal.losses == lossesBefore else {
            throw StoreError(.notDurable, "journal of shard \(index) dropped records while the snapshot copied them")
        }
        let directory = persistence.directory
        let shards = self.shards.count
        let written = try await DedicatedThread.run(name: "snapshot-\(index)") {
            () throws(StoreError) -> SnapshotFile.Written in
            let written = try SnapshotFile.write(
                copies,
                directory: directory,
                shard: index,
                shards: shards,
                sequence: sequence
            )
            let names = (try? DataDirectory.list(directory)) ?? []
            for case let file? in names.map(DataDirectory.FileName.init(parsing:))
            where file.shards == shards && file.shard == index && file.sequence < sequence {
                DataDirectory.remove(DataDirectory.path(directory, file.name))
            }
            return written
        }
        persistence.setLastSnapshot(of: index, sequence)
        return SnapshotSummary(
            path: written.path,
            sequence: sequence,
            projects: states.count,
            contacts: written.contacts,
            bytes: written.bytes,
            duration: clock.now - started
        )
    }

    /// Snapshots every `snapshotInterval`, and a shard early when its journal passes
    /// `journalLimitBytes`; failures are written to standard error and retried later. Returns
    /// when the task is cancelled or the store is closed (a store in memory just waits for the
    /// cancellation).
    public func runSnapshots() async {
        guard let persistence = self.persistence else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return
        }
        let clock = ContinuousClock()
        let tick = min(Duration.milliseconds(250), persistence.snapshotInterval)
        var due = clock.now + persistence.snapshotInterval
        var retryAfter = Array(repeating: clock.now, count: self.shards.count)
        while !Task.isCancelled && !persistence.isClosed {
            do {
                try await Task.sleep(for: tick)
            } catch {
                return
            }
            let now = clock.now
            let periodic = now >= due
            for index in self.shards.indices {
                let journal = persistence.journals[index]
                guard !persistence.isClosed, journal.failure == nil else { continue }
                let full = journal.segmentBytes >= persistence.journalLimitBytes && now >= retryAfter[index]
                guard periodic || full else { continue }
                do throws(StoreError) {
                    try await self.snapshot(shard: index)
                } catch {
                    if persistence.isClosed { return }
                    SystemError.log("snapshot of shard \(index) failed: \(error.message)")
                    retryAfter[index] = clock.now + .seconds(5)
                }
            }
            if periodic { due = clock.now + persistence.snapshotInterval }
        }
    }

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
}

/// What one shard snapshot wrote.
public struct SnapshotSummary: Sendable {
    /// The snapshot file.
    public var path: String
    /// The snapshot holds every journal record before this one.
    public var sequence: UInt64
    /// Projects written.
    public var projects: Int
    /// Contacts written.
    public var contacts: Int
    /// The file's size.
    public var bytes: Int
    /// From the journal rotation to the folder fsync.
    public var duration: Duration
}

/// The data folder side of a ``ContactStore``: its journals, lock and snapshot bookkeeping.
final class Persistence: Sendable {
    let directory: String
    let journals: [Journal]
    let gates: [SnapshotGate]
    let snapshotInterval: Duration
    let journalLimitBytes: Int
    private let state: Mutex<State>

    private struct State {
        var lockFD: Int32
        var closed = false
        /// Per shard: the sequence of the newest snapshot (a snapshot at the same sequence
        /// would hold nothing new).
        var lastSnapshots: [UInt64]
    }

    init(
        directory: String,
        journals: [Journal],
        lastSnapshots: [UInt64],
        lockFD: Int32,
        snapshotInterval: Duration,
        journalLimitBytes: Int
    ) {
        self.directory = directory
        self.journals = journals
        self.gates = journals.map { _ in SnapshotGate() }
        self.snapshotInterval = snapshotInterval > .zero ? snapshotInterval : .seconds(60)
        self.journalLimitBytes = journalLimitBytes
        self.state = Mutex(State(lockFD: lockFD, lastSnapshots: lastSnapshots))
    }

    var isClosed: Bool { self.state.withLock { $0.closed } }

    /// Marks the store closed; false when it already was.
    func markClosed() -> Bool {
        self.state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
    }

    func lastSnapshot(of shard: Int) -> UInt64 {
        self.state.withLock { $0.lastSnapshots[shard] }
    }

    func setLastSnapshot(of shard: Int, _ sequence: UInt64) {
        self.state.withLock { $0.lastSnapshots[shard] = sequence }
    }

    /// Closes the lock file, letting another process open the folder.
    func releaseLock() {
        let fd = self.state.withLock { state in
            defer { state.lockFD = -1 }
            return state.lockFD
        }
        if fd >= 0 { Glibc.close(fd) }
    }
}

// MARK: - Testing

extension ContactStore {
    /// Stops the journal writers (after they write and sync what they hold) and releases the
    /// lock without a final snapshot, as if the process died right after its last write: for
    /// recovery tests.
    func closeWithoutSnapshot() async {
        guard let persistence = self.persistence, persistence.markClosed() else { return }
        for journal in persistence.journals { await journal.close() }
        persistence.releaseLock()
    }
}
