import ContactCore
import Glibc

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
        if let newest = snapshots.last {
            for state in try SnapshotFile.read(DataDirectory.path(directory, newest.name), name: newest) {
                projects[state.name] = state
            }
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
    /// `expected` on without gaps.
    private static func replay(
        _ bytes: UnsafeRawBufferPointer,
        name: DataDirectory.FileName,
        path: String,
        isLast: Bool,
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
            // header with nothing valid after it is a crash during creation.
            if let valid = BinaryFormat.nextValidFrame(in: bytes, from: 0) {
                throw damaged(0, "bad segment header, but a valid record follows at byte \(valid)")
            }
            guard isLast else { throw damaged(0, "bad segment header in a segment that is not the last") }
            return Segment(name: name, path: path, validEnd: 0, size: bytes.count, headerValid: false)
        }
        var offset = BinaryFormat.headerSize
        while offset < bytes.count {
            guard let payload = BinaryFormat.frame(in: bytes, at: offset) else {
                if let valid = BinaryFormat.nextValidFrame(in: bytes, from: offset + 1) {
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
            projects[record.project, default: ProjectState(name: record.project)]
                .apply(record.changes, sequence: record.sequence)
            expected += 1
            offset = payload.upperBound
        }
        return Segment(name: name, path: path, validEnd: min(offset, bytes.count), size: bytes.count, headerValid: true)
    }

    // MARK: - Preparing the journal

    /// Opens the segment new records of shard `shard` go to, ready for appending: the last
    /// replayed segment with its torn tail truncated (and synced), or a new segment starting
    /// after `lastSequence`. Returns the descriptor, the segment's start and its size.
    static func openForAppend(
        _ loaded: LoadedShard,
        shard: Int,
        shards: Int,
        directory: String
    ) throws(StoreError) -> (fd: Int32, start: UInt64, bytes: Int) {
        guard let last = loaded.segments.last else {
            let start = loaded.lastSequence + 1
            let fd = try self.createSegment(directory: directory, shard: shard, shards: shards, start: start)
            return (fd, start, BinaryFormat.headerSize)
        }
        let fd = open(last.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError(.io, "\(last.path): cannot open: \(SystemError.describe(errno))") }
        var bytes = last.validEnd
        if !last.headerValid {
            let header = self.header(shard: shard, shards: shards, start: last.name.sequence)
            if ftruncate(fd, 0) != 0 || header.withUnsafeBytes({ DataDirectory.writeAll(fd, $0) }) != nil {
                let error = errno
                close(fd)
                throw StoreError(.io, "\(last.path): cannot rewrite the torn header: \(SystemError.describe(error))")
            }
            SystemError.log("\(last.path): rewrote a torn segment header")
            bytes = header.count
        } else if last.validEnd < last.size {
            guard ftruncate(fd, off_t(last.validEnd)) == 0 else {
                let error = errno
                close(fd)
                throw StoreError(.io, "\(last.path): cannot truncate the torn tail: \(SystemError.describe(error))")
            }
            SystemError.log(
                "\(last.path): dropped a torn tail of \(last.size - last.validEnd) bytes at byte \(last.validEnd)"
            )
        }
        // Whatever was replayed now counts as durable, so make sure it is.
        guard fsync(fd) == 0 else {
            let error = errno
            close(fd)
            throw StoreError(.io, "\(last.path): fsync failed: \(SystemError.describe(error))")
        }
        return (fd, last.name.sequence, bytes)
    }

    /// Creates segment `start` of shard `shard` holding only its header, synced with the folder.
    static func createSegment(directory: String, shard: Int, shards: Int, start: UInt64) throws(StoreError) -> Int32 {
        let name = DataDirectory.FileName(kind: .journal, shards: shards, shard: shard, sequence: start)
        let path = DataDirectory.path(directory, name.name)
        let fd = DataDirectory.createFile(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        guard fd >= 0 else { throw StoreError(.io, "\(path): cannot create: \(SystemError.describe(errno))") }
        let header = self.header(shard: shard, shards: shards, start: start)
        if let error = header.withUnsafeBytes({ DataDirectory.writeAll(fd, $0) }) ?? (fsync(fd) == 0 ? nil : errno) {
            close(fd)
            throw StoreError(.io, "\(path): cannot write: \(SystemError.describe(error))")
        }
        do throws(StoreError) {
            try DataDirectory.syncDirectory(directory)
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private static func header(shard: Int, shards: Int, start: UInt64) -> [UInt8] {
        BinaryFormat.encode(
            BinaryFormat.Header(
                magic: BinaryFormat.journalMagic,
                shard: UInt32(shard),
                shards: UInt32(shards),
                sequence: start
            )
        )
    }
}
