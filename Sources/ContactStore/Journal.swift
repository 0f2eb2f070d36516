import ContactCore
import Dispatch
import Glibc
import Logging
import Synchronization

/// The write calls the journal's writer thread makes, replaceable so tests can make them fail.
struct JournalFileOperations: Sendable {
    /// Writes all of the bytes to the descriptor; returns nil, or the `errno` of the failure.
    var write: @Sendable (_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32?
    /// `fdatasync`s the descriptor; returns nil, or the `errno` of the failure.
    var sync: @Sendable (_ fd: Int32) -> Int32?

    /// The real system calls.
    static let system = JournalFileOperations(
        write: { fd, bytes in DataDirectory.writeAll(fd, bytes) },
        sync: { fd in fdatasync(fd) == 0 ? nil : errno }
    )
}

/// A shard's write-ahead journal: a ``ChangeLog`` whose records are written and fsynced by a
/// dedicated writer thread, with group commit (see JournalWriter.swift).
///
/// ``append(_:expectedLosses:)`` only encodes the change set into an in-memory buffer under a
/// mutex and returns its ticket; the writer thread takes everything pending, writes it with one
/// write() call and (mode `always`) one fdatasync, then resumes every waiter the write covers.
/// Records are numbered 1, 2, 3 ... per shard on disk, across segments and restarts.
///
/// When a write or fsync fails, the records not yet durable are dropped (their waiters get
/// ``StoreError/Code/notDurable``, the projects revert them), the segment is cut back to its
/// durable length, and the journal is degraded: appends throw until the writer, retrying every
/// ``retryInterval``, finds that it can write and sync again. Disk numbering goes on from the
/// last durable record; tickets (what callers hold) are never reused, so a lost ticket stays lost.
public final class Journal: ChangeLog {
    /// The shard this journal belongs to.
    public let shard: Int
    /// The shard count of the data folder's layout.
    public let shards: Int
    /// The data folder.
    public let directory: String
    /// When a record counts as durable.
    public let mode: FsyncMode
    /// Appends wait in ``waitForRoom()`` while more than this many bytes are appended but not written.
    public let pendingLimit: Int
    /// How often a degraded journal tries to write and sync again.
    public static let retryInterval: Duration = .milliseconds(500)
    /// Mode `always`: how long (nanoseconds) appended records wait for a task to wait for one of
    /// them before the writer writes and syncs them all the same (a request whose reply no one
    /// awaits, as when its client closed).
    let unwaitedHold: UInt64
    let operations: JournalFileOperations
    /// Where the writer thread reports failures and recoveries.
    let logger: Logger

    let state: Mutex<State>
    /// The segment's writer: the writer thread's, and in modes `no` and `everysec` also the
    /// appender's, which writes its own record when no one else is writing (see ``append(_:expectedLosses:)``).
    /// Taken before `state` when both are held. Nil only while the journal is being built.
    let writer = Mutex<JournalWriter?>(nil)
    /// Signalled to wake the writer thread when it sleeps.
    let wakeup = DispatchSemaphore(value: 0)

    /// What the appenders and the writer thread share.
    struct State {
        /// The disk sequence number the next appended record gets.
        var nextSequence: UInt64
        /// ticket = disk sequence + ticketOffset; grows by the number of records lost at each failure.
        var ticketOffset: UInt64 = 0
        /// Tickets of lost records, ascending.
        var lost: [ClosedRange<UInt64>] = []
        /// How frames of the segment appends go to are encoded.
        var codec: FrameCodec
        /// Encoded records appended since the writer last took them.
        var buffer: [UInt8] = []
        /// The disk sequence of the last record in `buffer`.
        var bufferLast: UInt64 = 0
        /// Earlier record batches and rotations, in order, all before `buffer`.
        var queue: [Pending] = []
        /// Every record up to this disk sequence is durable (as the mode defines it).
        var acknowledged: UInt64
        /// Tasks waiting for a record to become durable.
        var waiters: [Waiter] = []
        /// Set while the journal is degraded (or once it is closed): it takes no records.
        var failure: StoreError?
        /// The failure that lost the latest lost records (kept after the journal heals).
        var lastLoss: StoreError?
        /// Set by ``close()``; the writer drains, syncs and exits.
        var closing = false
        /// Set when the writer thread has exited.
        var finished = false
        /// Tasks waiting for the writer to exit.
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        /// True while the writer waits on `wakeup`.
        var writerSleeping = false
        /// Bytes in the current segment, counting records not yet written.
        var segmentBytes: Int
        /// Bytes of the current segment that hold acknowledged records (set by the writer each turn).
        var acknowledgedBytes = 0
        /// Bytes appended whose write has not completed.
        var pendingBytes = 0
        /// Tasks waiting for `pendingBytes` to fall below the limit.
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
        /// Tasks waiting for the writer to sync what is written without holding its lock (the
        /// first step of a rotation in modes `no` and `everysec`).
        var presyncWaiters: [CheckedContinuation<Void, Never>] = []

        /// The ticket of disk sequence `sequence` appended now.
        func ticket(_ sequence: UInt64) -> UInt64 { sequence + self.ticketOffset }

        /// True when the writer sleeps and the caller must signal `wakeup`; from now on the
        /// writer counts as awake, so one caller signals it.
        mutating func takeSleepingWriter() -> Bool {
            defer { self.writerSleeping = false }
            return self.writerSleeping
        }

        /// What became of `ticket`.
        func status(of ticket: UInt64) -> RecordStatus {
            if self.isLost(ticket) { return .lost }
            return ticket <= self.acknowledged + self.ticketOffset ? .durable : .pending
        }

        func isLost(_ ticket: UInt64) -> Bool {
            var low = 0
            var high = self.lost.count
            while low < high {
                let middle = (low + high) / 2
                if self.lost[middle].upperBound < ticket { low = middle + 1 } else { high = middle }
            }
            return low < self.lost.count && self.lost[low].contains(ticket)
        }
    }

    /// Work queued for the writer ahead of the buffer.
    enum Pending {
        /// Encoded records, the last of them numbered `last` (disk sequence).
        case records([UInt8], last: UInt64)
        /// Start a new segment whose first record is `start`, salted with `salt`, then resume `done`.
        case rotate(start: UInt64, salt: UInt64, done: CheckedContinuation<Result<UInt64, StoreError>, Never>)
    }

    /// A task waiting for `ticket`.
    struct Waiter {
        var ticket: UInt64
        var continuation: CheckedContinuation<Result<Void, StoreError>, Never>
    }

    /// A journal appending to the open segment `fd` (positioned at its end, `segmentBytes` long,
    /// first record `segmentStart`, frames encoded by `codec`) after record `lastSequence`, which
    /// must already be durable.
    init(
        directory: String,
        shard: Int,
        shards: Int,
        mode: FsyncMode,
        fd: Int32,
        codec: FrameCodec,
        segmentStart: UInt64,
        segmentBytes: Int,
        lastSequence: UInt64,
        operations: JournalFileOperations = .system,
        pendingLimit: Int = 64 << 20,
        unwaitedHold: Duration = .milliseconds(2),
        logger: Logger = Logger(label: "contactd.storage")
    ) {
        self.unwaitedHold = UInt64(unwaitedHold.nanoseconds)
        self.logger = logger
        self.directory = directory
        self.shard = shard
        self.shards = shards
        self.mode = mode
        self.operations = operations
        self.pendingLimit = pendingLimit
        var initial = State(
            nextSequence: lastSequence + 1,
            codec: codec,
            acknowledged: lastSequence,
            segmentBytes: segmentBytes
        )
        initial.acknowledgedBytes = segmentBytes
        self.state = Mutex(initial)
        let writer = JournalWriter(
            journal: self,
            fd: fd,
            codec: codec,
            segmentStart: segmentStart,
            segmentBytes: segmentBytes,
            written: lastSequence
        )
        self.writer.withLock { $0 = writer }
        DedicatedThread.start(name: "journal-\(shard)") {
            JournalWriter.run(self)
        }
    }

    // MARK: - ChangeLog

    /// Encodes `changes` as the next record and queues it for the writer thread.
    ///
    /// In modes `no` and `everysec`, when neither the writer thread nor another appender is
    /// writing, the caller writes what is queued itself (one write(), no fsync) before returning,
    /// so its record is durable as the mode defines it without waking the thread; otherwise the
    /// thread is woken and writes it. In mode `always` it never blocks on I/O and does not wake the
    /// thread: the first task that waits for a record does (``waitUntilDurable(_:)``), so that the
    /// records of every request a loop turn ran share one fdatasync, as they wait together.
    public func append(_ changes: ChangeSet, expectedLosses: Int?) throws(StoreError) -> UInt64 {
        let body = Self.encodeBody(changes)
        let length = body.count + 8
        guard length <= BinaryFormat.maximumPayload else {
            throw StoreError(
                .io,
                "a request's changes take \(length) bytes, over the record limit of \(BinaryFormat.maximumPayload)"
            )
        }
        // Checksummed outside the lock with the codec of the segment appended to now; a rotation
        // in between changes the codec, so the lock re-prepares with the new one (rare).
        let codec = self.state.withLock { $0.codec }
        let prepared = codec.prepare(body, trailerBytes: 8)
        let ticket = try self.state.withLock { state throws(StoreError) -> UInt64 in
            if let failure = state.failure { throw failure }
            if let expectedLosses, expectedLosses != state.lost.count {
                throw StoreError(.notDurable, "journal of shard \(self.shard): earlier records were lost; retry")
            }
            let sequence = state.nextSequence
            state.nextSequence += 1
            let before = state.buffer.count
            let frame = state.codec == codec ? prepared : state.codec.prepare(body, trailerBytes: 8)
            state.codec.append(frame, body: body, trailer: sequence, to: &state.buffer)
            let size = state.buffer.count - before
            state.bufferLast = sequence
            state.segmentBytes += size
            state.pendingBytes += size
            return state.ticket(sequence)
        }
        if self.mode != .always {
            let written = self.writer.withLockIfAvailable { writer in writer?.writeInline() ?? false }
            if written != true { self.wakeWriter() }
        }
        return ticket
    }

    /// Wakes the writer thread if it sleeps.
    func wakeWriter() {
        let wake = self.state.withLock { $0.takeSleepingWriter() }
        if wake { self.wakeup.signal() }
    }

    /// Returns once record `ticket` is durable; throws ``StoreError/Code/notDurable`` when it was
    /// lost or the journal closed before it was durable. Wakes the writer thread when it sleeps.
    public func waitUntilDurable(_ ticket: UInt64) async throws(StoreError) {
        if let immediate = self.state.withLock({ self.outcome(of: ticket, in: $0) }) {
            return try immediate.get()
        }
        let result: Result<Void, StoreError> = await withCheckedContinuation { continuation in
            let (immediate, wake) = self.state.withLock { state -> (Result<Void, StoreError>?, Bool) in
                if let outcome = self.outcome(of: ticket, in: state) { return (outcome, false) }
                state.waiters.append(Waiter(ticket: ticket, continuation: continuation))
                return (nil, state.takeSleepingWriter())
            }
            if let immediate { continuation.resume(returning: immediate) }
            if wake { self.wakeup.signal() }
        }
        try result.get()
    }

    func outcome(of ticket: UInt64, in state: State) -> Result<Void, StoreError>? {
        switch state.status(of: ticket) {
        case .durable:
            return .success(())
        case .lost:
            return .failure(
                state.lastLoss
                    ?? StoreError(.notDurable, "journal of shard \(self.shard): the write failed and was dropped")
            )
        case .pending:
            if let failure = state.failure { return .failure(failure) }
            if ticket >= state.ticket(state.nextSequence) {
                return .failure(
                    StoreError(.notDurable, "journal of shard \(self.shard): record \(ticket) was never appended")
                )
            }
            return nil
        }
    }

    /// Whether record `ticket` is durable, pending or lost.
    public func status(of ticket: UInt64) -> RecordStatus {
        self.state.withLock { $0.status(of: ticket) }
    }

    /// How many failures dropped records.
    public var losses: Int {
        self.state.withLock { $0.lost.count }
    }

    /// Returns once fewer than ``pendingLimit`` bytes are appended but not written (at once
    /// while degraded or closing: appends throw then anyway).
    public func waitForRoom() async {
        let full = self.state.withLock { $0.pendingBytes > self.pendingLimit && $0.failure == nil }
        guard full else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (ready, wake) = self.state.withLock { state -> (Bool, Bool) in
                if state.pendingBytes <= self.pendingLimit || state.failure != nil { return (true, false) }
                state.roomWaiters.append(continuation)
                return (false, state.takeSleepingWriter())
            }
            if ready { continuation.resume() }
            if wake { self.wakeup.signal() }
        }
    }

    // MARK: - Segments and shutdown

    /// The bytes of the current segment, counting records not yet written: what the snapshot
    /// loop compares with its journal limit.
    public var segmentBytes: Int {
        self.state.withLock { $0.segmentBytes }
    }

    /// Bytes of the open segment that hold acknowledged records: a copy of that much of it holds
    /// every acknowledged record of the segment and no other.
    public var acknowledgedBytes: Int {
        self.state.withLock { $0.acknowledgedBytes }
    }

    /// The sequence number of the last record appended (0 when none ever was).
    public var lastSequence: UInt64 {
        self.state.withLock { $0.nextSequence - 1 }
    }

    /// The ticket of the last record appended (0 when none ever was).
    public var lastAppended: UInt64 {
        self.state.withLock { $0.ticket($0.nextSequence - 1) }
    }

    /// Why the journal is degraded (it refuses appends until a retry succeeds), or nil.
    public var failure: StoreError? {
        self.state.withLock { $0.failure }
    }

    /// True while a failed write or fsync keeps the journal from taking records (not counting
    /// a journal that was closed).
    public var isDegraded: Bool {
        self.state.withLock { $0.failure != nil && !$0.closing && !$0.finished }
    }

    /// Makes every record appended so far go to the current segment, syncs it, and starts a new
    /// segment at the returned sequence S: every record < S is in older segments, every record
    /// appended from now on is >= S. When no record was appended since the current segment
    /// began, it stays the current segment.
    func rotate() async throws(StoreError) -> UInt64 {
        if self.mode != .always {
            // Syncing the segment can take long (in these modes it may hold many megabytes not
            // yet synced); done first without the writer's lock, appenders go on writing their
            // records meanwhile, and the rotation's own sync below only covers what came since.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let (queued, wake) = self.state.withLock { state -> (Bool, Bool) in
                    // A degraded or closed journal: the rotation below fails at once.
                    if state.failure != nil || state.closing || state.finished { return (false, false) }
                    state.presyncWaiters.append(continuation)
                    return (true, state.takeSleepingWriter())
                }
                if !queued { continuation.resume() }
                if wake { self.wakeup.signal() }
            }
        }
        let result: Result<UInt64, StoreError> = await withCheckedContinuation { continuation in
            let outcome = self.state.withLock { state -> (immediate: StoreError?, wake: Bool) in
                if let failure = state.failure { return (failure, false) }
                if !state.buffer.isEmpty {
                    state.queue.append(.records(state.buffer, last: state.bufferLast))
                    state.buffer = []
                }
                let salt = UInt64.random(in: 0...UInt64.max)
                state.queue.append(.rotate(start: state.nextSequence, salt: salt, done: continuation))
                state.codec = FrameCodec(salt: salt)
                state.segmentBytes = BinaryFormat.journalHeaderSize
                return (nil, state.takeSleepingWriter())
            }
            if let failure = outcome.immediate { continuation.resume(returning: .failure(failure)) }
            if outcome.wake { self.wakeup.signal() }
        }
        return try result.get()
    }

    /// Writes and syncs everything appended, stops the writer thread and closes the segment;
    /// later appends throw.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (done, wake) = self.state.withLock { state -> (Bool, Bool) in
                if state.finished { return (true, false) }
                state.closing = true
                state.closeWaiters.append(continuation)
                return (false, state.takeSleepingWriter())
            }
            if done { continuation.resume() }
            if wake { self.wakeup.signal() }
        }
    }

    // MARK: - Record decoding

    /// A decoded journal record.
    struct Record {
        var sequence: UInt64
        var project: String
        var changes: [RecordedChange]
    }

    /// One change as a record holds it: a ``Change``, or an update whose profile is a patch of
    /// the one stored before (written for ``Change/update(_:_:)``).
    enum RecordedChange: Equatable {
        case change(Change)
        case patch(ProfilePatch)
    }

    /// Decodes a record's payload (a frame's checksummed bytes).
    static func decodeRecord(_ payload: UnsafeRawBufferPointer) throws(BinaryDecodingError) -> Record {
        guard payload.count >= 9 else { throw BinaryDecodingError(message: "record too short") }
        let sequence = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: payload.count - 8, as: UInt64.self))
        var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: payload[0..<(payload.count - 8)]))
        let project = try reader.string()
        let count = try reader.length()
        var changes: [RecordedChange] = []
        changes.reserveCapacity(count)
        for _ in 0..<count { changes.append(try reader.change()) }
        guard reader.isAtEnd else { throw BinaryDecodingError(message: "trailing bytes in record") }
        return Record(sequence: sequence, project: project, changes: changes)
    }

    /// A record's payload without its trailing sequence number.
    static func encodeBody(_ changes: ChangeSet) -> [UInt8] {
        var body = BinaryWriter(capacity: Self.estimatedBodySize(changes))
        body.string(changes.project)
        body.varint(changes.changes.count)
        for change in changes.changes { body.change(change, runs: changes.copiedRuns) }
        return body.bytes
    }

    /// About the size of `changes`' record, so that encoding it allocates once: a few bytes
    /// more than the profiles, or than the bytes a patch does not copy, and the other fields.
    private static func estimatedBodySize(_ changes: ChangeSet) -> Int {
        var size = 64 + changes.project.utf8.count
        for change in changes.changes {
            switch change {
            case .update(let contact, let copies) where copies.runs.upperBound <= changes.copiedRuns.count:
                var copied = 0
                for index in stride(from: copies.runs.lowerBound + 2, to: copies.runs.upperBound, by: 3) {
                    copied += changes.copiedRuns[index] - 8
                }
                size += 64 + contact.externalId.utf8.count + contact.profile.count - copied
            case .put(let contact), .update(let contact, _):
                size += 64 + contact.externalId.utf8.count + contact.profile.count + 16 * contact.stats.buckets.count
            case .delete(let externalId):
                size += 8 + externalId.utf8.count
            case .remember(let record):
                size += 64 + record.key.utf8.count + record.response.count
            }
        }
        return size
    }

    /// The encoding of one record, as ``append(_:expectedLosses:)`` writes it (for tests and tools).
    static func encodeRecord(_ changes: ChangeSet, sequence: UInt64, codec: FrameCodec = .plain) -> [UInt8] {
        let body = self.encodeBody(changes)
        var bytes: [UInt8] = []
        codec.append(codec.prepare(body, trailerBytes: 8), body: body, trailer: sequence, to: &bytes)
        return bytes
    }
}
