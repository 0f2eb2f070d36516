import Glibc

/// The one place a journal segment file is created: used by recovery (a new shard, a new
/// layout, an old-format last segment) and by the writer thread when it rotates.
enum JournalSegment {
    /// A segment ready for appending.
    struct Opened {
        /// The descriptor, opened with O_APPEND.
        var fd: Int32
        /// How its records are framed.
        var codec: FrameCodec
        /// Its size: the header.
        var bytes: Int
    }

    /// Creates (or replaces) `journal.C.I.<start>` holding only a version 2 header with `salt`,
    /// synced together with the folder. On failure the file is removed again, so no half-made
    /// segment is left for recovery to trip over.
    static func create(
        directory: String,
        shard: Int,
        shards: Int,
        start: UInt64,
        salt: UInt64 = UInt64.random(in: 0...UInt64.max),
        operations: JournalFileOperations = .system
    ) throws(StoreError) -> Opened {
        let name = DataDirectory.FileName(kind: .journal, shards: shards, shard: shard, sequence: start)
        let path = DataDirectory.path(directory, name.name)
        let fd = DataDirectory.createFile(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        guard fd >= 0 else { throw StoreError(.notDurable, "creating \(path) failed: \(SystemError.describe(errno))") }
        let header = BinaryFormat.Header(
            magic: BinaryFormat.journalMagic,
            shard: UInt32(shard),
            shards: UInt32(shards),
            sequence: start,
            version: BinaryFormat.journalVersion,
            salt: salt
        )
        let bytes = BinaryFormat.encode(header)
        if let error = bytes.withUnsafeBytes({ operations.write(fd, $0) }) ?? operations.sync(fd) {
            close(fd)
            unlink(path)
            throw StoreError(.notDurable, "write to \(path) failed: \(SystemError.describe(error))")
        }
        do throws(StoreError) {
            try DataDirectory.syncDirectory(directory)
        } catch {
            close(fd)
            unlink(path)
            throw error
        }
        return Opened(fd: fd, codec: FrameCodec(header: header), bytes: bytes.count)
    }
}
