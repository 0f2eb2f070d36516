import ContactCore
import Glibc
import Logging

/// Loading a data folder: the newest snapshot of each shard, then its journal segments in order.
///
/// ``load(shard:shards:files:directory:)`` only reads: every check runs, and throws
/// ``StoreError/Code/damaged``, before ``ContactStore/open(directory:shardCount:fsync:snapshotInterval:journalLimitBytes:)``
/// changes any file (truncating a torn tail, removing files a snapshot covers).
enum Recovery {
    /// A journal segment that was replayed.
    struct Segment: Sendable {
        var name: DataDirectory.FileName
        var path: String
        /// Where the last valid record ends: the torn tail, if any, starts here.
        var validEnd: Int
        /// The file's size when it was read.
        var size: Int
        /// False when the segment's header itself was torn (the segment holds no record).
        var headerValid: Bool
        /// The header's format version (1: unsalted frames, 2: salted).
        var version: UInt32
        /// The salt of a version 2 segment's frames.
        var salt: UInt64 = 0
    }

    /// What one shard of the folder's layout holds.
    struct LoadedShard: Sendable {
        /// The projects, ordered by name.
        var states: [ProjectState]
        /// The last record replayed (the snapshot's sequence - 1 when the journal after it is empty).
        var lastSequence: UInt64
        /// The sequence of the snapshot loaded, if any.
        var snapshotSequence: UInt64?
        /// The journal segments replayed, oldest first; new records go to the last one.
        var segments: [Segment]
        /// Files the snapshot covers (older snapshots, older journal segments), to remove.
        var obsolete: [String]
        /// Contacts loaded, for the log.
        var contacts: Int

        /// A shard with no file at all.
        static let empty = LoadedShard(
            states: [],
            lastSequence: 0,
            snapshotSequence: nil,
            segments: [],
            obsolete: [],
            contacts: 0
        )
    }

    /// Loads shard `shard` of `shards` from `files` (the folder's data files of that shard).
    static func load(
        shard: Int,
        shards: Int,
        files: [DataDirectory.FileName],
        directory: String
    ) throws(StoreError) -> LoadedShard {
        let snapshots = files.filter { $0.kind == .snapshot }.sorted()
        let journals = files.filter { $0.kind == .journal }.sorted()
        var projects: [String: ProjectState] = [:]
        var base: UInt64 = 1
        var obsolete: [String] = []
        var copiedThrough: UInt64 = 0
        if let newest = snapshots.last {
            let contents = try SnapshotFile.read(DataDirectory.path(directory, newest.name), name: newest)
            for state in contents.states {
                projects[state.name] = state
            }
            copiedThrough = contents.copiedThrough
            base = newest.sequence
            obsolete += snapshots.dropLast().map { DataDirectory.path(directory, $0.name) }
        }
        obsolete += journals.filter { $0.sequence < base }.map { DataDirectory.path(directory, $0.name) }
        let live = journals.filter { $0.sequence >= base }
        var expected = base
        var segments: [Segment] = []
        for (position, name) in live.enumerated() {
            let path = DataDirectory.path(directory, name.name)
            guard name.sequence == expected else {
                throw StoreError(
                    .damaged,
                    "\(path): damaged record at byte 0 (the segment starts at record \(name.sequence), "
                        + "but records from \(expected) are missing)"
                )
            }
            let segment = try DataDirectory.withMappedFile(path) { bytes throws(StoreError) in
                try self.replay(
                    bytes,
                    name: name,
                    path: path,
                    isLast: position == live.count - 1,
                    copiedThrough: copiedThrough,
                    expected: &expected,
                    into: &projects
                )
            }
            segments.append(segment)
        }
        let states = projects.values.sorted { ExternalID.precedes($0.name, $1.name) }
        return LoadedShard(
            states: states,
            lastSequence: expected - 1,
            snapshotSequence: snapshots.last?.sequence,
            segments: segments,
            obsolete: obsolete,
            contacts: states.reduce(0) { $0 + $1.contacts.count }
        )
    }

    /// Replays one segment's records into `projects`, checking that they are numbered from
    /// `expected` on without gaps; the snapshot loaded may hold records up to `copiedThrough`.
    private static func replay(
        _ bytes: UnsafeRawBufferPointer,
        name: DataDirectory.FileName,
        path: String,
        isLast: Bool,
        copiedThrough: UInt64,
        expected: inout UInt64,
        into projects: inout [String: ProjectState]
    ) throws(StoreError) -> Segment {
        func damaged(_ offset: Int, _ detail: String) -> StoreError {
            StoreError(.damaged, "\(path): damaged record at byte \(offset) (\(detail))")
        }
        guard let header = BinaryFormat.decodeHeader(bytes), header.magic == BinaryFormat.journalMagic,
            header.shard == UInt32(name.shard), header.shards == UInt32(name.shards), header.sequence == name.sequence
        else {
            // A segment is created with its header synced before any record goes in: a bad
            // header is a crash during creation only when nothing follows where the header ends.
            if bytes.count > BinaryFormat.journalHeaderSize {
                throw damaged(0, "bad segment header, and \(bytes.count) bytes follow it")
            }
            guard isLast else { throw damaged(0, "bad segment header in a segment that is not the last") }
            return Segment(name: name, path: path, validEnd: 0, size: bytes.count, headerValid: false, version: 0)
        }
        let codec = FrameCodec(header: header)
        var offset = header.size
        while offset < bytes.count {
            guard let payload = codec.frame(in: bytes, at: offset) else {
                // Only a frame that passes its (salted) checksums, decodes completely and carries
                // a sequence number this segment can still hold counts as a valid following record.
                let first = expected
                // Every record takes at least one byte, so no sequence past `first` plus the
                // segment's size can be in it.
                let limit = UInt64(bytes.count)
                let valid = codec.nextValidFrame(in: bytes, from: offset + 1) { payload in
                    let recordBytes = UnsafeRawBufferPointer(rebasing: bytes[payload])
                    guard let record = try? Journal.decodeRecord(recordBytes) else { return false }
                    return record.sequence >= first && record.sequence - first <= limit
                }
                if let valid {
                    throw damaged(offset, "checksum mismatch, but a valid record follows at byte \(valid)")
                }
                guard isLast else {
                    throw damaged(offset, "unreadable end of a segment that is not the last")
                }
                break  // a torn tail: dropped and truncated before new records are appended
            }
            let record: Journal.Record
            do throws(BinaryDecodingError) {
                record = try Journal.decodeRecord(UnsafeRawBufferPointer(rebasing: bytes[payload]))
            } catch {
                throw damaged(offset, error.message)
            }
            guard record.sequence == expected else {
                throw damaged(offset, "record \(record.sequence) where record \(expected) was expected")
            }
            // Everything loaded at start is durable: remembered keys get sequence 0, which every
            // journal counts as durable whatever its numbering (it restarts after a layout change).
            if let failure = projects[record.project, default: ProjectState(name: record.project)]
                .replay(record.changes, snapshotMayHoldIt: record.sequence <= copiedThrough)
            {
                throw damaged(offset, "record \(record.sequence): \(failure)")
            }
            expected += 1
            offset = payload.upperBound
        }
        return Segment(
            name: name,
            path: path,
            validEnd: min(offset, bytes.count),
            size: bytes.count,
            headerValid: true,
            version: header.version,
            salt: header.salt
        )
    }

    // MARK: - Preparing the journal

    /// Opens the segment new records of shard `shard` go to, ready for appending: the last
    /// replayed segment with its torn tail truncated (and synced), or a new segment starting
    /// after `lastSequence` (also when the last segment is of the old format, version 1, so new
    /// records are always salted). Returns the descriptor, codec, the segment's start and size.
    static func openForAppend(
        _ loaded: LoadedShard,
        shard: Int,
        shards: Int,
        directory: String,
        logger: Logger
    ) throws(StoreError) -> (fd: Int32, codec: FrameCodec, start: UInt64, bytes: Int) {
        let next = loaded.lastSequence + 1
        guard let last = loaded.segments.last else {
            let opened = try self.create(directory: directory, shard: shard, shards: shards, start: next)
            return (opened.fd, opened.codec, next, opened.bytes)
        }
        if !last.headerValid || (last.version == 1 && last.name.sequence == next) {
            // A torn header, or an old-format segment without records: replaced by a new one.
            if !last.headerValid { logger.warning("\(last.path): rewrote a torn segment header") }
            let opened = try self.create(directory: directory, shard: shard, shards: shards, start: next)
            return (opened.fd, opened.codec, next, opened.bytes)
        }
        let fd = open(last.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError(.io, "\(last.path): cannot open: \(SystemError.describe(errno))") }
        if last.validEnd < last.size {
            guard ftruncate(fd, off_t(last.validEnd)) == 0 else {
                let error = errno
                close(fd)
                throw StoreError(.io, "\(last.path): cannot truncate the torn tail: \(SystemError.describe(error))")
            }
            logger.warning(
                "\(last.path): dropped a torn tail of \(last.size - last.validEnd) bytes at byte \(last.validEnd)"
            )
        }
        // Whatever was replayed now counts as durable, so make sure it is.
        guard fsync(fd) == 0 else {
            let error = errno
            close(fd)
            throw StoreError(.io, "\(last.path): fsync failed: \(SystemError.describe(error))")
        }
        if last.version == 1 {
            // Old format with records: keep it as it is and append to a new, salted segment.
            close(fd)
            let opened = try self.create(directory: directory, shard: shard, shards: shards, start: next)
            return (opened.fd, opened.codec, next, opened.bytes)
        }
        return (fd, FrameCodec(salt: last.salt), last.name.sequence, last.validEnd)
    }

    /// Creates segment `start` of shard `shard` holding only its header, synced with the folder.
    static func create(
        directory: String,
        shard: Int,
        shards: Int,
        start: UInt64
    ) throws(StoreError) -> JournalSegment.Opened {
        do throws(StoreError) {
            return try JournalSegment.create(directory: directory, shard: shard, shards: shards, start: start)
        } catch {
            throw StoreError(.io, error.message)
        }
    }
}
