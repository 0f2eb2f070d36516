import Dispatch
import Glibc
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
/// dedicated writer thread, with group commit (see JournalWriterThread.swift).
///
/// ``append(_:)`` only encodes the change set into an in-memory buffer under a mutex and returns
/// its sequence number; the writer thread takes everything pending, writes it with one write()
/// call and (mode `always`) one fdatasync, then resumes every waiter the write covers. Records
/// are numbered 1, 2, 3 ... per shard, across segments and restarts.
public final class Journal: ChangeLog {
    /// The shard this journal belongs to.
    public let shard: Int
    /// The shard count of the data folder's layout.
    public let shards: Int
    /// The data folder.
    public let directory: String
    /// When a record counts as durable.
    public let mode: FsyncMode
    let operations: JournalFileOperations

    let state: Mutex<State>
    /// Signalled to wake the writer thread when it sleeps.
    let wakeup = DispatchSemaphore(value: 0)

    /// What the appenders and the writer thread share.
    struct State {
        /// The number the next appended record gets.
        var nextSequence: UInt64
        /// Encoded records appended since the writer last took them.
        var buffer: [UInt8] = []
        /// The sequence of the last record in `buffer`.
        var bufferLast: UInt64 = 0
        /// Earlier record batches and rotations, in order, all before `buffer`.
        var queue: [Pending] = []
        /// Every record up to this one is durable (as the mode defines it).
        var acknowledged: UInt64
        /// Tasks waiting for a record to become durable.
        var waiters: [Waiter] = []
        /// Set once a write or fsync failed (or the journal closed): the journal takes no more records.
        var failure: StoreError?
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
    }

    /// Work queued for the writer ahead of the buffer.
    enum Pending {
        /// Encoded records, the last of them numbered `last`.
        case records([UInt8], last: UInt64)
        /// Start a new segment whose first record is `start`, then resume `done`.
        case rotate(start: UInt64, done: CheckedContinuation<Result<UInt64, StoreError>, Never>)
    }

    /// A task waiting for `sequence`.
    struct Waiter {
        var sequence: UInt64
        var continuation: CheckedContinuation<Result<Void, StoreError>, Never>
    }

    /// A journal appending to the open segment `fd` (positioned at its end, `segmentBytes` long,
    /// first record `segmentStart`) after record `lastSequence`, which must already be durable.
    init(
        directory: String,
        shard: Int,
        shards: Int,
        mode: FsyncMode,
        fd: Int32,
        segmentStart: UInt64,
        segmentBytes: Int,
        lastSequence: UInt64,
        operations: JournalFileOperations = .system
    ) {
        self.directory = directory
        self.shard = shard
        self.shards = shards
        self.mode = mode
        self.operations = operations
        self.state = Mutex(
            State(nextSequence: lastSequence + 1, acknowledged: lastSequence, segmentBytes: segmentBytes)
        )
        DedicatedThread.start(name: "journal-\(shard)") {
            var writer = JournalWriter(
                journal: self,
                fd: fd,
                segmentStart: segmentStart,
                segmentBytes: segmentBytes,
                written: lastSequence
            )
            writer.run()
        }
    }

    // MARK: - ChangeLog

    /// Encodes `changes` as the next record and queues it for the writer thread; never blocks on I/O.
    public func append(_ changes: ChangeSet) throws(StoreError) -> UInt64 {
        var body = BinaryWriter(capacity: 256)
        body.string(changes.project)
        body.varint(changes.changes.count)
        for change in changes.changes { body.change(change) }
        let length = body.bytes.count + 8
        guard length <= BinaryFormat.maximumPayload else {
            throw StoreError(.io, "a request's changes take \(length) bytes, over the record limit")
        }
        // The sequence is the last 8 bytes of the payload, so the checksum of everything before
        // it is computed here, outside the lock.
        var lengthBytes = UInt32(length).littleEndian
        var crc = withUnsafeBytes(of: &lengthBytes) { CRC32C.update(0, $0) }
        crc = body.bytes.withUnsafeBytes { CRC32C.update(crc, $0) }
        let (sequence, wake) = try self.state.withLock { state throws(StoreError) -> (UInt64, Bool) in
            if let failure = state.failure { throw failure }
            let sequence = state.nextSequence
            state.nextSequence += 1
            var sequenceBytes = sequence.littleEndian
            let checksum = withUnsafeBytes(of: &sequenceBytes) { CRC32C.update(crc, $0) }
            withUnsafeBytes(of: &lengthBytes) { state.buffer.append(contentsOf: $0) }
            withUnsafeBytes(of: checksum.littleEndian) { state.buffer.append(contentsOf: $0) }
            state.buffer.append(contentsOf: body.bytes)
            withUnsafeBytes(of: &sequenceBytes) { state.buffer.append(contentsOf: $0) }
            state.bufferLast = sequence
            state.segmentBytes += BinaryFormat.frameOverhead + length
            let wake = state.writerSleeping
            state.writerSleeping = false
            return (sequence, wake)
        }
        if wake { self.wakeup.signal() }
        return sequence
    }

    /// Returns once record `sequence` is durable; throws ``StoreError/Code/notDurable`` when the
    /// journal failed before it was.
    public func waitUntilDurable(_ sequence: UInt64) async throws(StoreError) {
        if let immediate = self.state.withLock({ self.outcome(of: sequence, in: $0) }) {
            return try immediate.get()
        }
        let result: Result<Void, StoreError> = await withCheckedContinuation { continuation in
            let immediate = self.state.withLock { state -> Result<Void, StoreError>? in
                if let outcome = self.outcome(of: sequence, in: state) { return outcome }
                state.waiters.append(Waiter(sequence: sequence, continuation: continuation))
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        try result.get()
    }

    private func outcome(of sequence: UInt64, in state: State) -> Result<Void, StoreError>? {
        if sequence <= state.acknowledged { return .success(()) }
        if let failure = state.failure { return .failure(failure) }
        if sequence >= state.nextSequence {
            return .failure(StoreError(.notDurable, "journal of shard \(self.shard): record \(sequence) was never appended"))
        }
        return nil
    }

    // MARK: - Segments and shutdown

    /// The bytes of the current segment, counting records not yet written: what the snapshot
    /// loop compares with its journal limit.
    public var segmentBytes: Int {
        self.state.withLock { $0.segmentBytes }
    }

    /// The sequence number of the last record appended (0 when none ever was).
    public var lastAppended: UInt64 {
        self.state.withLock { $0.nextSequence - 1 }
    }

    /// The failure that stopped the journal, or nil while it accepts records.
    public var failure: StoreError? {
        self.state.withLock { $0.failure }
    }

    /// Makes every record appended so far go to the current segment, syncs it, and starts a new
    /// segment at the returned sequence S: every record < S is in older segments, every record
    /// appended from now on is >= S. When no record was appended since the current segment
    /// began, it stays the current segment.
    func rotate() async throws(StoreError) -> UInt64 {
        let result: Result<UInt64, StoreError> = await withCheckedContinuation { continuation in
            let outcome = self.state.withLock { state -> (immediate: StoreError?, wake: Bool) in
                if let failure = state.failure { return (failure, false) }
                if !state.buffer.isEmpty {
                    state.queue.append(.records(state.buffer, last: state.bufferLast))
                    state.buffer = []
                }
                state.queue.append(.rotate(start: state.nextSequence, done: continuation))
                state.segmentBytes = BinaryFormat.headerSize
                let wake = state.writerSleeping
                state.writerSleeping = false
                return (nil, wake)
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
                let wake = state.writerSleeping
                state.writerSleeping = false
                return (false, wake)
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
        var changes: [Change]
    }

    /// Decodes a record's payload (a frame's checksummed bytes).
    static func decodeRecord(_ payload: UnsafeRawBufferPointer) throws(BinaryDecodingError) -> Record {
        guard payload.count >= 9 else { throw BinaryDecodingError(message: "record too short") }
        let sequence = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: payload.count - 8, as: UInt64.self))
        var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: payload[0..<(payload.count - 8)]))
        let project = try reader.string()
        let count = try reader.length()
        var changes: [Change] = []
        changes.reserveCapacity(count)
        for _ in 0..<count { changes.append(try reader.change()) }
        guard reader.isAtEnd else { throw BinaryDecodingError(message: "trailing bytes in record") }
        return Record(sequence: sequence, project: project, changes: changes)
    }

    /// The encoding of one record, as ``append(_:)`` writes it (for tests and tools).
    static func encodeRecord(_ changes: ChangeSet, sequence: UInt64) -> [UInt8] {
        var writer = BinaryWriter()
        let start = writer.startFrame()
        writer.string(changes.project)
        writer.varint(changes.changes.count)
        for change in changes.changes { writer.change(change) }
        writer.u64(sequence)
        writer.finishFrame(at: start)
        return writer.bytes
    }
}
