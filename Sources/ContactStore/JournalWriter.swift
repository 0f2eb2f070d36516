import ContactCore
import Dispatch
import Glibc
import Logging
import Synchronization

/// The writer of a journal's open segment, and the loop of its dedicated thread: group commit.
///
/// Each turn takes everything appended since the last turn, writes it with one write() call (two
/// when a segment rotation falls in between), then, in mode `always`, one fdatasync, and resumes
/// every waiter whose record is covered. Records appended while the thread writes or syncs wait
/// for the next turn, so all requests that arrive during one fsync share the next one. In mode
/// `always` a turn starts once a task waits for a record (or ``Journal/unwaitedHold`` after the first
/// record no one waits for): a loop turn's requests wait for their records together, after the
/// turn has run them all, so they share one fdatasync rather than the first of them syncing
/// alone. In mode `everysec` the thread also wakes at least once a second to sync written
/// records.
///
/// A failed write or sync degrades the journal: the segment is cut back to its durable length,
/// the records not yet durable are dropped (their waiters get ``StoreError/Code/notDurable``),
/// appends throw, and every ``Journal/retryInterval`` the thread cuts the segment back again,
/// writes and syncs a probe, removes it, and on success takes records again.
///
/// The writer lives in ``Journal/writer``'s lock: the thread takes the lock for each turn, and in
/// modes `no` and `everysec` an appender that finds it free writes the queued records itself
/// (``writeInline()``), which saves two thread wake-ups per request; syncing stays the thread's.
/// In those modes the thread syncs without holding the lock (``syncUnlocked(_:)``): the
/// everysec sync, and the sync before a rotation, so appenders never wait for an fdatasync.
struct JournalWriter {
    /// The journal this writer belongs to; it owns the writer, and its thread keeps it alive.
    unowned let journal: Journal
    /// The open segment, written with O_APPEND.
    var fd: Int32
    /// How the open segment's frames are encoded (its salt).
    var codec: FrameCodec
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
    /// Mode `always`: since when the thread holds appended records that no one waits for yet.
    var holdingSince: UInt64?

    init(journal: Journal, fd: Int32, codec: FrameCodec, segmentStart: UInt64, segmentBytes: Int, written: UInt64) {
        self.journal = journal
        self.fd = fd
        self.codec = codec
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
        case presync
        case heal
        case exit
    }

    /// What the thread does after a turn with the lock.
    enum Next {
        /// Take another turn at once.
        case again
        /// Sleep until woken, or until `deadline` (then sync if due).
        case sleep(deadline: UInt64?)
        /// Sync without the lock (``syncUnlocked(_:)``), then resume these.
        case presync([CheckedContinuation<Void, Never>])
        /// Wait ``Journal/retryInterval``, then try to heal.
        case heal
        /// The writer has exited.
        case exited
    }

    /// The loop of `journal`'s writer thread; returns once the journal is closed.
    static func run(_ journal: Journal) {
        while true {
            switch journal.writer.withLock({ $0!.turn() }) {
            case .again:
                continue
            case .sleep(let deadline):
                guard let deadline else {
                    journal.wakeup.wait()
                    continue
                }
                let now = Self.now()
                if deadline > now {
                    _ = journal.wakeup.wait(timeout: .now() + .nanoseconds(Int(deadline - now)))
                }
                if Self.now() >= deadline { Self.syncUnlocked(journal) }
            case .presync(let waiters):
                Self.syncUnlocked(journal)
                for waiter in waiters { waiter.resume() }
            case .heal:
                _ = journal.wakeup.wait(timeout: .now() + .nanoseconds(Int(Journal.retryInterval.nanoseconds)))
                journal.writer.withLock { $0!.heal() }
            case .exited:
                return
            }
        }
    }

    /// In modes `no` and `everysec`: writes the records queued, on the appender's thread, when
    /// the writer thread has nothing else to do first. Returns false when it left them to the
    /// thread (a failure, a rotation or closing pending).
    mutating func writeInline() -> Bool {
        let taken = self.journal.state.withLock { state -> UInt64? in
            guard state.failure == nil, !state.closing, !state.finished, state.queue.isEmpty else { return nil }
            guard !state.buffer.isEmpty else { return 0 }
            swap(&state.buffer, &self.spare)
            return state.bufferLast
        }
        guard let taken else { return false }
        guard taken > 0 else { return true }
        let wasSynced = self.written == self.synced
        self.write([.records([], last: taken)], syncing: false)
        if self.journal.mode == .everysec, wasSynced, self.written > self.synced {
            // The first write since the last sync: the thread, maybe asleep without a deadline,
            // must sync it within the second.
            self.journal.wakeWriter()
        }
        return true
    }

    /// Syncs what the open segment holds written, holding the writer's lock only to read and
    /// then record the position, so appenders go on writing inline meanwhile (the thread alone
    /// rotates or closes the segment, so its descriptor stays the same throughout). A failure
    /// degrades the journal as a failed sync in a turn does.
    static func syncUnlocked(_ journal: Journal) {
        let due = journal.writer.withLock { writer -> (fd: Int32, written: UInt64, bytes: Int)? in
            guard let writer, writer.fd >= 0, writer.written > writer.synced else { return nil }
            guard journal.state.withLock({ $0.failure == nil }) else { return nil }
            return (writer.fd, writer.written, writer.writtenBytes)
        }
        guard let due else { return }
        let started = Self.now()
        let error = journal.operations.sync(due.fd)
        journal.writer.withLock { writer in
            guard writer!.fd == due.fd else { return }
            if let error {
                writer!.finishTurn(failure: writer!.failure("fdatasync of", error), rotations: [], taken: 0)
                return
            }
            writer!.recordSync(written: due.written, bytes: due.bytes, started: started)
        }
    }

    /// One turn of the thread with the lock held: writes what is queued, or says how to wait.
    private mutating func turn() -> Next {
        let everysecDue: UInt64? =
            self.journal.mode == .everysec && self.written > self.synced ? self.lastSync + 1_000_000_000 : nil
        var presync: [CheckedContinuation<Void, Never>] = []
        let now = self.journal.mode == .always ? Self.now() : 0
        let step = self.journal.state.withLock { state -> Step in
            state.writerSleeping = false
            presync = state.presyncWaiters
            state.presyncWaiters = []
            if state.failure != nil {
                if state.closing { return .exit }
                return .heal
            }
            if self.journal.mode == .always, state.queue.isEmpty, !state.buffer.isEmpty, state.waiters.isEmpty,
                state.roomWaiters.isEmpty, !state.closing
            {
                // Group commit by waiters: the records wait until a task waits for one of them
                // (it wakes the thread), or at most the journal's `unwaitedHold`.
                let since = self.holdingSince ?? now
                self.holdingSince = since
                let until = since + self.journal.unwaitedHold
                if now < until {
                    state.writerSleeping = true
                    return .sleep(deadline: until)
                }
            }
            if !state.queue.isEmpty || !state.buffer.isEmpty {
                self.holdingSince = nil
                var queue = state.queue
                state.queue = []
                let last = state.bufferLast
                if !state.buffer.isEmpty {
                    swap(&state.buffer, &self.spare)
                    queue.append(.records([], last: last))  // marks where the spare buffer goes
                }
                // The presync waits for the next turn, after these are written.
                state.presyncWaiters = presync
                presync = []
                return .write(queue)
            }
            if !presync.isEmpty, !state.closing { return .presync }
            if state.closing { return .exit }
            state.writerSleeping = true
            return .sleep(deadline: everysecDue)
        }
        switch step {
        case .write(let queue):
            // The everysec sync is made without the lock: at once when due, else after sleeping
            // until it is.
            self.write(queue, syncing: self.journal.mode == .always)
            if self.journal.mode == .everysec, self.written > self.synced {
                let due = self.lastSync + 1_000_000_000
                if Self.now() >= due { return .sleep(deadline: due) }
            }
            return .again
        case .sleep(let deadline):
            return .sleep(deadline: deadline)
        case .presync:
            return .presync(presync)
        case .heal:
            // A presync that is not run (the journal is degraded, or closing) has nothing to wait for.
            for waiter in presync { waiter.resume() }
            self.journal.state.withLock { $0.writerSleeping = true }
            return .heal
        case .exit:
            for waiter in presync { waiter.resume() }
            self.exit()
            return .exited
        }
    }

    /// One retry of a degraded journal: cut the segment back to its durable length, write and
    /// sync a probe of zeros (a torn tail, should the process die now), cut it off and sync.
    /// On success the journal takes records again.
    mutating func heal() {
        let closing = self.journal.state.withLock { $0.closing }
        if closing { return }
        let keep = self.writtenBytes
        let probe = [UInt8](repeating: 0, count: 4096)
        var error: Int32?
        if ftruncate(self.fd, off_t(keep)) != 0 {
            error = errno
        } else if let failed = probe.withUnsafeBytes({ self.journal.operations.write(self.fd, $0) })
            ?? self.journal.operations.sync(self.fd)
        {
            error = failed
        } else if ftruncate(self.fd, off_t(keep)) != 0 {
            error = errno
        } else if let failed = self.journal.operations.sync(self.fd) {
            error = failed
        }
        if error != nil {
            _ = ftruncate(self.fd, off_t(keep))
            return
        }
        self.synced = self.written
        self.syncedBytes = self.writtenBytes
        self.lastSync = Self.now()
        let acknowledged = self.written
        let healedBytes = self.writtenBytes
        let waiters = self.journal.state.withLock { state -> [Journal.Waiter] in
            state.failure = nil
            state.acknowledged = max(state.acknowledged, acknowledged)
            state.acknowledgedBytes = healedBytes
            let snapshot = state
            let ready = state.waiters.filter { snapshot.status(of: $0.ticket) == .durable }
            state.waiters.removeAll { snapshot.status(of: $0.ticket) == .durable }
            return ready
        }
        for waiter in waiters { waiter.continuation.resume(returning: .success(())) }
        self.journal.logger.notice(
            "journal of shard \(self.journal.shard): \(self.currentPath) works again; the shard takes writes"
        )
    }

    /// Writes `queue`, syncs as the mode says (when `syncing`), and resumes the covered waiters.
    private mutating func write(_ queue: [Journal.Pending], syncing: Bool) {
        var failure: StoreError?
        var rotations: [(CheckedContinuation<Result<UInt64, StoreError>, Never>, UInt64)] = []
        var taken = 0
        for item in queue {
            switch item {
            case .records(let bytes, let last):
                // An empty batch marks the appenders' buffer, now in `spare`.
                let count = bytes.isEmpty ? self.spare.count : bytes.count
                taken += count
                guard failure == nil else { continue }
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
            case .rotate(let start, let salt, let done):
                rotations.append((done, start))
                guard failure == nil else { continue }
                do throws(StoreError) {
                    try self.rotate(to: start, salt: salt)
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
        if failure == nil, syncing {
            failure = self.syncAfterWrites(force: false)
        }
        self.finishTurn(failure: failure, rotations: rotations, taken: taken)
    }

    /// Syncs when the mode asks for it; returns the failure, if any.
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
        let started = Self.now()
        if let error = self.journal.operations.sync(self.fd) {
            return self.failure("fdatasync of", error)
        }
        self.recordSync(written: self.written, bytes: self.writtenBytes, started: started)
        return nil
    }

    /// Records a sync that began at `started` and made every record up to `written` (the
    /// segment's first `bytes` bytes) durable.
    private mutating func recordSync(written: UInt64, bytes: Int, started: UInt64) {
        if written > self.synced {
            self.synced = written
            self.syncedBytes = bytes
        }
        self.lastSync = Self.now()
        FsyncTimings.shared.record(nanoseconds: self.lastSync - started)
    }

    /// Publishes the new durable position (or the failure) and resumes whoever it concerns;
    /// `taken` bytes of appended records were handled in this turn.
    ///
    /// After a failure: cuts the segment back to what was acknowledged, so records whose requests
    /// are refused never come back; drops every record not acknowledged (disk numbering resumes
    /// after the last acknowledged one, their tickets are marked lost) and degrades the journal.
    private mutating func finishTurn(
        failure: StoreError?,
        rotations: [(CheckedContinuation<Result<UInt64, StoreError>, Never>, UInt64)],
        taken: Int
    ) {
        if failure != nil {
            if self.journal.mode == .always {
                self.written = self.synced
                self.writtenBytes = self.syncedBytes
            }
            if ftruncate(self.fd, off_t(self.writtenBytes)) != 0 {
                let reason = SystemError.describe(errno)
                self.journal.logger.error(
                    "cannot cut \(self.currentPath) back to \(self.writtenBytes) bytes: \(reason); retrying"
                )
            }
        }
        let acknowledged = self.written
        let keptBytes = self.writtenBytes
        let codec = self.codec
        let (ready, failed, room, droppedRotations) = self.journal.state.withLock {
            state -> ([Journal.Waiter], [Journal.Waiter], [CheckedContinuation<Void, Never>], [Journal.Pending]) in
            state.acknowledged = max(state.acknowledged, acknowledged)
            state.acknowledgedBytes = keptBytes
            state.pendingBytes = max(0, state.pendingBytes - taken)
            var dropped: [Journal.Pending] = []
            if let failure {
                if state.failure == nil { state.failure = failure }
                state.lastLoss = failure
                let firstLost = state.acknowledged + 1
                let lastLost = state.nextSequence - 1
                if lastLost >= firstLost {
                    state.lost.append(state.ticket(firstLost)...state.ticket(lastLost))
                    state.ticketOffset += lastLost - firstLost + 1
                    state.nextSequence = firstLost
                }
                dropped = state.queue
                state.queue = []
                state.buffer = []
                state.pendingBytes = 0
                state.segmentBytes = keptBytes
                // A rotation may have been requested (switching the appenders to the new
                // segment's salt) and dropped: appends go on in the segment the writer has open.
                state.codec = codec
            }
            var ready: [Journal.Waiter] = []
            var failed: [Journal.Waiter] = []
            var waiting: [Journal.Waiter] = []
            for waiter in state.waiters {
                switch state.status(of: waiter.ticket) {
                case .durable: ready.append(waiter)
                case .lost: failed.append(waiter)
                case .pending: if state.failure != nil { failed.append(waiter) } else { waiting.append(waiter) }
                }
            }
            state.waiters = waiting
            var room: [CheckedContinuation<Void, Never>] = []
            if state.pendingBytes <= self.journal.pendingLimit || state.failure != nil {
                room = state.roomWaiters
                state.roomWaiters = []
            }
            return (ready, failed, room, dropped)
        }
        for waiter in ready { waiter.continuation.resume(returning: .success(())) }
        for waiter in room { waiter.resume() }
        for (done, start) in rotations {
            done.resume(returning: failure.map { .failure($0) } ?? .success(start))
        }
        guard !failed.isEmpty || !droppedRotations.isEmpty else { return }
        // Built only when someone gets it: a turn that succeeds makes no error message.
        let stop = failure ?? self.journal.failure ?? Self.closedError(self.journal)
        for waiter in failed { waiter.continuation.resume(returning: .failure(stop)) }
        for case .rotate(_, _, let done) in droppedRotations { done.resume(returning: .failure(stop)) }
    }

    /// Ends the open segment (synced, so no later segment can outlive a torn end of this one) and
    /// starts `journal.C.I.<start>` salted with `salt` (see ``JournalSegment/create``).
    private mutating func rotate(to start: UInt64, salt: UInt64) throws(StoreError) {
        if start == self.segmentStart { return }
        if self.written > self.synced {
            if let error = self.journal.operations.sync(self.fd) { throw self.failure("fdatasync of", error) }
            self.synced = self.written
            self.syncedBytes = self.writtenBytes
            self.lastSync = Self.now()
        }
        let opened: JournalSegment.Opened
        do throws(StoreError) {
            opened = try JournalSegment.create(
                directory: self.journal.directory,
                shard: self.journal.shard,
                shards: self.journal.shards,
                start: start,
                salt: salt,
                operations: self.journal.operations
            )
        } catch {
            throw self.failure(error.message)
        }
        close(self.fd)
        self.fd = opened.fd
        self.codec = opened.codec
        self.segmentStart = start
        self.writtenBytes = opened.bytes
        self.syncedBytes = opened.bytes
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
        let (waiters, closeWaiters, room) = self.journal.state.withLock { state in
            if let failure, state.failure == nil { state.failure = failure }
            if state.failure == nil { state.failure = closed }
            state.acknowledged = max(state.acknowledged, acknowledged)
            state.finished = true
            let waiters = state.waiters.map { ($0, state.status(of: $0.ticket) == .durable) }
            state.waiters = []
            let closeWaiters = state.closeWaiters
            state.closeWaiters = []
            let room = state.roomWaiters
            state.roomWaiters = []
            return (waiters, closeWaiters, room)
        }
        let stop = self.journal.failure ?? closed
        for (waiter, durable) in waiters {
            waiter.continuation.resume(returning: durable ? .success(()) : .failure(stop))
        }
        for waiter in room { waiter.resume() }
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
            "journal of shard \(self.journal.shard): \(message); "
                + "the shard is degraded and refuses writes until the journal works again"
        )
        self.journal.logger.error("\(error.message)")
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
