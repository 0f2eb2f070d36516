import Dispatch
import Glibc
import Synchronization

/// The loop of a journal's dedicated writer thread: group commit.
///
/// Each turn takes everything appended since the last turn, writes it with one write() call (two
/// when a segment rotation falls in between), then, in mode `always`, one fdatasync, and resumes
/// every waiter whose record is covered. Records appended while the thread writes or syncs wait
/// for the next turn, so all requests that arrive during one fsync share the next one. In mode
/// `everysec` the thread also wakes at least once a second to sync written records.
///
/// A failed write or sync is final: every waiter, and every later append, gets
/// ``StoreError/Code/notDurable``. The thread owns the segment's descriptor; nothing else uses it.
struct JournalWriter {
    let journal: Journal
    /// The open segment, written with O_APPEND.
    var fd: Int32
    /// The first sequence of the open segment.
    var segmentStart: UInt64
    /// Every record up to this one has been written.
    var written: UInt64
    /// Every record up to this one has been fdatasynced.
    var synced: UInt64
    /// The segment's size counting what was written, and what was synced.
    var writtenBytes: Int
    var syncedBytes: Int
    /// When the last sync ran (CLOCK_MONOTONIC, nanoseconds).
    var lastSync: UInt64
    /// The buffer the appenders fill next; swapped with theirs each turn to reuse its storage.
    var spare: [UInt8] = []

    init(journal: Journal, fd: Int32, segmentStart: UInt64, segmentBytes: Int, written: UInt64) {
        self.journal = journal
        self.fd = fd
        self.segmentStart = segmentStart
        self.written = written
        self.synced = written
        self.writtenBytes = segmentBytes
        self.syncedBytes = segmentBytes
        self.lastSync = Self.now()
    }

    /// What one turn of the loop does.
    private enum Step {
        case write([Journal.Pending])
        case sleep(deadline: UInt64?)
        case drop([Journal.Pending])
        case exit
    }

    mutating func run() {
        while true {
            let everysecDue: UInt64? =
                self.journal.mode == .everysec && self.written > self.synced ? self.lastSync + 1_000_000_000 : nil
            let step = self.journal.state.withLock { state -> Step in
                state.writerSleeping = false
                if state.failure != nil {
                    let dropped = state.queue
                    state.queue = []
                    state.buffer = []
                    if !dropped.isEmpty { return .drop(dropped) }
                    if state.closing { return .exit }
                    state.writerSleeping = true
                    return .sleep(deadline: nil)
                }
                if !state.queue.isEmpty || !state.buffer.isEmpty {
                    var queue = state.queue
                    state.queue = []
                    let last = state.bufferLast
                    if !state.buffer.isEmpty {
                        swap(&state.buffer, &self.spare)
                        queue.append(.records([], last: last))  // marks where the spare buffer goes
                    }
                    return .write(queue)
                }
                if state.closing { return .exit }
                state.writerSleeping = true
                return .sleep(deadline: everysecDue)
            }
            switch step {
            case .write(let queue):
                self.turn(queue)
            case .sleep(let deadline):
                if let deadline {
                    let now = Self.now()
                    if deadline > now {
                        _ = self.journal.wakeup.wait(timeout: .now() + .nanoseconds(Int(deadline - now)))
                    }
                    if self.journal.mode == .everysec, self.written > self.synced, Self.now() >= deadline {
                        self.syncAfterWrites(force: true)
                    }
                } else {
                    self.journal.wakeup.wait()
                }
            case .drop(let queue):
                for case .rotate(_, let done) in queue {
                    done.resume(returning: .failure(self.journal.failure ?? Self.closedError(self.journal)))
                }
            case .exit:
                self.exit()
                return
            }
        }
    }

    /// Writes `queue`, syncs as the mode says, and resumes the covered waiters.
    private mutating func turn(_ queue: [Journal.Pending]) {
        var failure: StoreError?
        var rotations: [(CheckedContinuation<Result<UInt64, StoreError>, Never>, UInt64)] = []
        for item in queue {
            switch item {
            case .records(let bytes, let last):
                guard failure == nil else { continue }
                // An empty batch marks the appenders' buffer, now in `spare`.
                let count = bytes.isEmpty ? self.spare.count : bytes.count
                let error =
                    bytes.isEmpty
                    ? self.spare.withUnsafeBytes { self.journal.operations.write(self.fd, $0) }
                    : bytes.withUnsafeBytes { self.journal.operations.write(self.fd, $0) }
                if let error {
                    failure = self.failure("write to", error)
                } else {
                    self.written = last
                    self.writtenBytes += count
                }
            case .rotate(let start, let done):
                rotations.append((done, start))
                guard failure == nil else { continue }
                do throws(StoreError) {
                    try self.rotate(to: start)
                } catch {
                    failure = error
                }
            }
        }
        if self.spare.capacity > 4 << 20 {
            self.spare = []
        } else {
            self.spare.removeAll(keepingCapacity: true)
        }
        if failure == nil {
            failure = self.syncAfterWrites(force: false)
        }
        self.finishTurn(failure: failure, rotations: rotations)
    }

    /// Syncs when the mode asks for it; returns the failure, if any.
    @discardableResult
    private mutating func syncAfterWrites(force: Bool) -> StoreError? {
        guard self.written > self.synced else { return nil }
        switch self.journal.mode {
        case .always:
            break
        case .everysec:
            guard force || Self.now() >= self.lastSync + 1_000_000_000 else { return nil }
        case .no:
            guard force else { return nil }
        }
        if let error = self.journal.operations.sync(self.fd) {
            let failure = self.failure("fdatasync of", error)
            if force { self.finishTurn(failure: failure, rotations: []) }
            return failure
        }
        self.synced = self.written
        self.syncedBytes = self.writtenBytes
        self.lastSync = Self.now()
        return nil
    }

    /// Publishes the new durable position (or the failure) and resumes whoever it concerns.
    /// After a failure, cuts the segment back to what was acknowledged (best effort), so records
    /// whose requests are refused do not come back on the next start.
    private func finishTurn(
        failure: StoreError?,
        rotations: [(CheckedContinuation<Result<UInt64, StoreError>, Never>, UInt64)]
    ) {
        let acknowledged = self.journal.mode == .always ? self.synced : self.written
        if failure != nil {
            let keep = self.journal.mode == .always ? self.syncedBytes : self.writtenBytes
            if ftruncate(self.fd, off_t(keep)) != 0 {
                SystemError.log("cannot cut \(self.currentPath) back to \(keep) bytes: \(SystemError.describe(errno))")
            }
        }
        let ready = self.journal.state.withLock { state -> [Journal.Waiter] in
            if let failure, state.failure == nil {
                state.failure = failure
            }
            state.acknowledged = max(state.acknowledged, acknowledged)
            if state.failure != nil {
                let all = state.waiters
                state.waiters = []
                return all
            }
            var ready: [Journal.Waiter] = []
            state.waiters.removeAll { waiter in
                guard waiter.sequence <= acknowledged else { return false }
                ready.append(waiter)
                return true
            }
            return ready
        }
        let stop = failure ?? self.journal.failure
        for waiter in ready {
            if waiter.sequence <= acknowledged {
                waiter.continuation.resume(returning: .success(()))
            } else {
                waiter.continuation.resume(returning: .failure(stop ?? Self.closedError(self.journal)))
            }
        }
        for (done, start) in rotations {
            done.resume(returning: failure.map { .failure($0) } ?? .success(start))
        }
    }

    /// Ends the open segment (synced, so no later segment can outlive a torn end of this one) and
    /// starts `journal.C.I.<start>` with its header, synced, and the folder synced.
    private mutating func rotate(to start: UInt64) throws(StoreError) {
        if start == self.segmentStart { return }
        if self.written > self.synced {
            if let error = self.journal.operations.sync(self.fd) { throw self.failure("fdatasync of", error) }
            self.synced = self.written
            self.syncedBytes = self.writtenBytes
            self.lastSync = Self.now()
        }
        let name = DataDirectory.FileName(
            kind: .journal,
            shards: self.journal.shards,
            shard: self.journal.shard,
            sequence: start
        )
        let path = DataDirectory.path(self.journal.directory, name.name)
        let fd = DataDirectory.createFile(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        guard fd >= 0 else { throw self.failure("creating", errno, path: path) }
        let header = BinaryFormat.encode(
            BinaryFormat.Header(
                magic: BinaryFormat.journalMagic,
                shard: UInt32(self.journal.shard),
                shards: UInt32(self.journal.shards),
                sequence: start
            )
        )
        if let error = header.withUnsafeBytes({ self.journal.operations.write(fd, $0) })
            ?? self.journal.operations.sync(fd)
        {
            close(fd)
            throw self.failure("write to", error, path: path)
        }
        do throws(StoreError) {
            try DataDirectory.syncDirectory(self.journal.directory)
        } catch {
            close(fd)
            throw self.failure(error.message)
        }
        close(self.fd)
        self.fd = fd
        self.segmentStart = start
        self.writtenBytes = header.count
        self.syncedBytes = header.count
    }

    /// Syncs what is written, closes the segment and wakes whoever waits in ``Journal/close()``.
    private mutating func exit() {
        var failure: StoreError?
        if self.journal.failure == nil {
            failure = self.syncAfterWrites(force: true)
        }
        close(self.fd)
        self.fd = -1
        let acknowledged = self.journal.failure == nil && failure == nil ? self.written : self.synced
        let closed = Self.closedError(self.journal)
        let (waiters, closeWaiters) = self.journal.state.withLock { state in
            if let failure, state.failure == nil { state.failure = failure }
            if state.failure == nil { state.failure = closed }
            state.acknowledged = max(state.acknowledged, acknowledged)
            state.finished = true
            let waiters = state.waiters
            state.waiters = []
            let closeWaiters = state.closeWaiters
            state.closeWaiters = []
            return (waiters, closeWaiters)
        }
        let stop = self.journal.failure ?? closed
        for waiter in waiters {
            waiter.continuation.resume(returning: waiter.sequence <= acknowledged ? .success(()) : .failure(stop))
        }
        for waiter in closeWaiters { waiter.resume() }
    }

    // MARK: - Helpers

    private func failure(_ action: String, _ code: Int32, path: String? = nil) -> StoreError {
        let file = path ?? self.currentPath
        return self.failure("\(action) \(file) failed: \(SystemError.describe(code))")
    }

    private func failure(_ message: String) -> StoreError {
        let error = StoreError(
            .notDurable,
            "journal of shard \(self.journal.shard): \(message); the shard accepts no more writes"
        )
        SystemError.log("FATAL: \(error.message)")
        return error
    }

    private var currentPath: String {
        let name = DataDirectory.FileName(
            kind: .journal,
            shards: self.journal.shards,
            shard: self.journal.shard,
            sequence: self.segmentStart
        )
        return DataDirectory.path(self.journal.directory, name.name)
    }

    static func closedError(_ journal: Journal) -> StoreError {
        StoreError(.notDurable, "journal of shard \(journal.shard) is closed")
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
