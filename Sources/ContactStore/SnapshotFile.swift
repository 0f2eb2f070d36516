import ContactCore
import Glibc

/// Writing and reading a shard's snapshot file (format in BinaryCodec.swift and
/// docs/STORAGE.md). Both block: run them on a dedicated thread.
enum SnapshotFile {
    /// The size at which a contacts or records block is closed and written out.
    static let blockSize = 1 << 20

    /// What a written snapshot took.
    struct Written {
        var path: String
        var bytes: Int
        var contacts: Int
    }

    /// What a snapshot file holds.
    struct Contents {
        /// The projects, in the file's order.
        var states: [ProjectState]
        /// The last journal record the states may already hold (see ``write(_:directory:shard:shards:sequence:copiedThrough:)``),
        /// or 0 when they hold none at or past the snapshot's sequence.
        var copiedThrough: UInt64
    }

    /// Writes `states` as the snapshot of shard `shard` of `shards` holding every record < `sequence`:
    /// to a temporary file, fsynced, renamed into place, and the folder fsynced.
    ///
    /// `copiedThrough`: the states were copied while writes went on, so they may also hold
    /// records from `sequence` up to this one (the journal's last record once every copy was
    /// taken). Replay then lets a profile patch among those records that does not fit pass
    /// (the state already holds it); 0, or anything below `sequence`, when nothing was written
    /// meanwhile.
    static func write(
        _ states: [ProjectState],
        directory: String,
        shard: Int,
        shards: Int,
        sequence: UInt64,
        copiedThrough: UInt64 = 0
    ) throws(StoreError) -> Written {
        let name = DataDirectory.FileName(kind: .snapshot, shards: shards, shard: shard, sequence: sequence)
        let path = DataDirectory.path(directory, name.name)
        let temporary = path + DataDirectory.temporarySuffix
        let fd = DataDirectory.createFile(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
        guard fd >= 0 else {
            throw StoreError(.io, "\(temporary): cannot create the snapshot: \(SystemError.describe(errno))")
        }
        var output = Output(fd: fd, path: temporary)
        let header = BinaryFormat.Header(
            magic: BinaryFormat.snapshotMagic,
            shard: UInt32(shard),
            shards: UInt32(shards),
            sequence: sequence
        )
        output.writer.bytes.append(contentsOf: BinaryFormat.encode(header))
        var totalContacts = 0
        var totalRecords = 0
        do throws(StoreError) {
            if copiedThrough >= sequence {
                // Only then: a snapshot without the block stays readable by earlier versions.
                let start = output.writer.startFrame()
                output.writer.u8(BinaryFormat.copiedThroughBlock)
                output.writer.varint(copiedThrough)
                output.writer.finishFrame(at: start)
            }
            for state in states {
                let records = state.idempotency.records
                let start = output.writer.startFrame()
                output.writer.u8(BinaryFormat.projectBlock)
                output.writer.string(state.name)
                output.writer.varint(state.contacts.count)
                output.writer.varint(records.count)
                output.writer.finishFrame(at: start)

                var block = Block(kind: BinaryFormat.contactsBlock)
                do {
                    try state.contacts.forEach { contact throws(StoreError) in
                        block.begin(&output.writer)
                        output.writer.contact(contact)
                        totalContacts += 1
                        try block.add(&output)
                    }
                } catch let error as StoreError {
                    throw error
                } catch {
                    throw StoreError(.io, "\(temporary): \(error)")
                }
                block.end(&output.writer)

                block = Block(kind: BinaryFormat.recordsBlock)
                for record in records {
                    block.begin(&output.writer)
                    output.writer.record(record)
                    totalRecords += 1
                    try block.add(&output)
                }
                block.end(&output.writer)
            }
            let start = output.writer.startFrame()
            output.writer.u8(BinaryFormat.endBlock)
            output.writer.varint(states.count)
            output.writer.varint(totalContacts)
            output.writer.varint(totalRecords)
            output.writer.finishFrame(at: start)
            try output.flush()
            guard fsync(fd) == 0 else {
                throw StoreError(.io, "\(temporary): fsync failed: \(SystemError.describe(errno))")
            }
        } catch {
            close(fd)
            DataDirectory.remove(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = errno
            DataDirectory.remove(temporary)
            throw StoreError(.io, "\(path): cannot rename the snapshot into place: \(SystemError.describe(error))")
        }
        try DataDirectory.syncDirectory(directory)
        return Written(path: path, bytes: output.total, contacts: totalContacts)
    }

    /// A file being written, through a buffer of about ``blockSize``.
    private struct Output {
        let fd: Int32
        let path: String
        var writer = BinaryWriter(capacity: SnapshotFile.blockSize + (128 << 10))
        var total = 0

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        /// Writes out the whole buffer.
        mutating func flush() throws(StoreError) {
            let fd = self.fd
            if let error = self.writer.bytes.withUnsafeBytes({ DataDirectory.writeAll(fd, $0) }) {
                throw StoreError(.io, "\(self.path): cannot write the snapshot: \(SystemError.describe(error))")
            }
            self.total += self.writer.bytes.count
            self.writer.bytes.removeAll(keepingCapacity: true)
        }
    }

    /// A contacts or records block being filled: `kind`, a u32 count, then the values.
    private struct Block {
        let kind: UInt8
        var start = -1
        var count: UInt32 = 0

        init(kind: UInt8) {
            self.kind = kind
        }

        /// Opens a block unless one is open.
        mutating func begin(_ writer: inout BinaryWriter) {
            guard self.start < 0 else { return }
            self.start = writer.startFrame()
            writer.u8(self.kind)
            writer.u32(0)
            self.count = 0
        }

        /// Counts the value just written; closes and writes out the block once it is full.
        mutating func add(_ output: inout Output) throws(StoreError) {
            self.count += 1
            if output.writer.bytes.count - self.start >= SnapshotFile.blockSize {
                self.end(&output.writer)
                try output.flush()
            }
        }

        /// Closes the open block, if any.
        mutating func end(_ writer: inout BinaryWriter) {
            guard self.start >= 0 else { return }
            let count = self.count
            writer.bytes.withUnsafeMutableBytes {
                $0.storeBytes(of: count.littleEndian, toByteOffset: self.start + 9, as: UInt32.self)
            }
            writer.finishFrame(at: self.start)
            self.start = -1
        }
    }

    // MARK: - Reading

    /// The projects of the snapshot at `path`, which must be snapshot `name`; throws
    /// ``StoreError/Code/damaged`` naming the file and the offset of the first bad block.
    static func read(_ path: String, name: DataDirectory.FileName) throws(StoreError) -> Contents {
        try DataDirectory.withMappedFile(path) { bytes throws(StoreError) in
            try self.decode(bytes, path: path, name: name)
        }
    }

    private static func decode(
        _ bytes: UnsafeRawBufferPointer,
        path: String,
        name: DataDirectory.FileName
    ) throws(StoreError) -> Contents {
        func damaged(_ offset: Int, _ detail: String) -> StoreError {
            StoreError(.damaged, "\(path): damaged snapshot block at byte \(offset) (\(detail))")
        }
        guard let header = BinaryFormat.decodeHeader(bytes), header.magic == BinaryFormat.snapshotMagic,
            header.version == 1,
            header.shard == UInt32(name.shard), header.shards == UInt32(name.shards), header.sequence == name.sequence
        else {
            throw damaged(0, "bad file header")
        }
        var states: [ProjectState] = []
        var current: ProjectState?
        var contactsLeft = 0
        var recordsLeft = 0
        var totalContacts = 0
        var totalRecords = 0
        var offset = BinaryFormat.headerSize
        var changes: [Change] = []
        var copiedThrough: UInt64 = 0

        func finishProject() throws(BinaryDecodingError) {
            guard let state = current else { return }
            guard contactsLeft == 0, recordsLeft == 0 else {
                throw BinaryDecodingError(message: "project \(state.name) is incomplete")
            }
            states.append(state)
            current = nil
        }

        while true {
            guard let payload = BinaryFormat.frame(in: bytes, at: offset) else {
                throw damaged(offset, offset >= bytes.count ? "missing end block" : "checksum mismatch")
            }
            var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: bytes[payload]))
            do throws(BinaryDecodingError) {
                switch try reader.u8() {
                case BinaryFormat.copiedThroughBlock:
                    guard offset == BinaryFormat.headerSize else {
                        throw BinaryDecodingError(message: "copied-through block after the first block")
                    }
                    copiedThrough = try reader.varint()
                    guard copiedThrough >= name.sequence else {
                        throw BinaryDecodingError(
                            message: "copied through \(copiedThrough), before the snapshot's sequence"
                        )
                    }
                case BinaryFormat.projectBlock:
                    try finishProject()
                    let state = ProjectState(name: try reader.string())
                    contactsLeft = try reader.int()
                    recordsLeft = try reader.int()
                    current = state
                case BinaryFormat.contactsBlock:
                    let count = Int(try reader.u32())
                    guard current != nil, count <= contactsLeft else {
                        throw BinaryDecodingError(message: "unexpected contacts")
                    }
                    changes.removeAll(keepingCapacity: true)
                    changes.reserveCapacity(min(count, reader.count - reader.position))  // a forged count is not a size
                    for _ in 0..<count { changes.append(.put(try reader.contact())) }
                    current!.apply(changes, sequence: 0)
                    contactsLeft -= count
                    totalContacts += count
                case BinaryFormat.recordsBlock:
                    let count = Int(try reader.u32())
                    guard current != nil, contactsLeft == 0, count <= recordsLeft else {
                        throw BinaryDecodingError(message: "unexpected records")
                    }
                    changes.removeAll(keepingCapacity: true)
                    for _ in 0..<count { changes.append(.remember(try reader.record())) }
                    current!.apply(changes, sequence: 0)
                    recordsLeft -= count
                    totalRecords += count
                case BinaryFormat.endBlock:
                    try finishProject()
                    let projects = try reader.int()
                    let contacts = try reader.int()
                    let records = try reader.int()
                    guard projects == states.count, contacts == totalContacts, records == totalRecords else {
                        throw BinaryDecodingError(message: "totals do not match")
                    }
                    guard reader.isAtEnd, payload.upperBound == bytes.count else {
                        throw BinaryDecodingError(message: "bytes after the end block")
                    }
                    return Contents(states: states, copiedThrough: copiedThrough)
                case let kind:
                    throw BinaryDecodingError(message: "unknown block kind \(kind)")
                }
                guard reader.isAtEnd else { throw BinaryDecodingError(message: "trailing bytes in block") }
            } catch {
                throw damaged(offset, error.message)
            }
            offset = payload.upperBound
        }
    }
}
