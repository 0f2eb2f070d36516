import ContactCore
import Glibc
import Logging

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
    /// at S, copies every project (each copy holds at least every record < S, and maybe some
    /// records >= S: replaying those on top is correct because every change sets or deletes one
    /// contact or key, and a profile patch that does not fit among them is one the copy holds
    /// already; the snapshot names the last such record), writes
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
        // Every record the copies hold was appended by now.
        let copiedThrough = journal.lastSequence
        // The copies may hold records >= S that are appended but not yet written; never persist
        // a change whose request could still fail.
        try await journal.waitUntilDurable(journal.lastAppended)
        guard journal.losses == lossesBefore else {
            throw StoreError(.notDurable, "journal of shard \(index) dropped records while the snapshot copied them")
        }
        let directory = persistence.directory
        let shards = self.shards.count
        let logger = persistence.logger
        let written = try await DedicatedThread.run(name: "snapshot-\(index)") {
            () throws(StoreError) -> SnapshotFile.Written in
            let written = try SnapshotFile.write(
                copies,
                directory: directory,
                shard: index,
                shards: shards,
                sequence: sequence,
                copiedThrough: copiedThrough
            )
            let names = (try? DataDirectory.list(directory)) ?? []
            for case let file? in names.map(DataDirectory.FileName.init(parsing:))
            where file.shards == shards && file.shard == index && file.sequence < sequence {
                if let failure = DataDirectory.remove(DataDirectory.path(directory, file.name)) {
                    logger.warning("\(failure)")
                }
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
                    persistence.logger.error("snapshot of shard \(index) failed: \(error.message); retrying in 5 s")
                    retryAfter[index] = clock.now + .seconds(5)
                }
            }
            if periodic { due = clock.now + persistence.snapshotInterval }
        }
    }
}
