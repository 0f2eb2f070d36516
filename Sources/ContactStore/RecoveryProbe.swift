import ContactCore
import Glibc

/// Recovery's decoding of one file, for FuzzTesting/ (`@_spi(Fuzzing)`; not part of the API).
///
/// The fuzz targets hand bytes to the same code a start runs: the bytes are written to a
/// folder as its only data file and loaded with ``Recovery/load(shard:shards:files:directory:)``.
@_spi(Fuzzing)
public enum RecoveryProbe {
    /// What a load that succeeded found.
    public struct Loaded: Sendable {
        /// Contacts loaded.
        public var contacts: Int
        /// Projects loaded.
        public var projects: Int
        /// Where the torn tail starts (journal only).
        public var validEnd: Int?
    }

    /// Which file the bytes are.
    public enum Kind: Sendable {
        case journal
        case snapshot
    }

    /// Writes `bytes` as the only data file of the empty folder `directory` and loads it. The
    /// file's name agrees with its header when the header names a plausible shard (shard
    /// count 1 to 1024), so that a well-formed file is not refused for its name alone; a journal
    /// segment starting after record 1 gets an empty snapshot covering the records before it.
    public static func load(_ bytes: [UInt8], as kind: Kind, directory: String) throws(StoreError) -> Loaded {
        let fileKind: DataDirectory.Kind = kind == .journal ? .journal : .snapshot
        var name = DataDirectory.FileName(kind: fileKind, shards: 1, shard: 0, sequence: 1)
        let header = bytes.withUnsafeBytes { BinaryFormat.decodeHeader($0) }
        if let header, (1...1024).contains(header.shards), header.shard < header.shards {
            name = DataDirectory.FileName(
                kind: fileKind,
                shards: Int(header.shards),
                shard: Int(header.shard),
                sequence: header.sequence
            )
        }
        var files = [name]
        defer {
            for file in files { unlink(DataDirectory.path(directory, file.name)) }
        }
        try self.write(bytes, to: DataDirectory.path(directory, name.name))
        if kind == .journal, name.sequence > 1 {
            // A segment starting after record 1 needs a snapshot covering the records before
            // it: an empty one, so that the segment's records are what gets checked.
            let snapshot = DataDirectory.FileName(
                kind: .snapshot,
                shards: name.shards,
                shard: name.shard,
                sequence: name.sequence
            )
            var writer = BinaryWriter()
            writer.bytes = BinaryFormat.encode(
                BinaryFormat.Header(
                    magic: BinaryFormat.snapshotMagic,
                    shard: UInt32(name.shard),
                    shards: UInt32(name.shards),
                    sequence: name.sequence
                )
            )
            let start = writer.startFrame()
            writer.u8(BinaryFormat.endBlock)
            writer.bytes += [0, 0, 0]  // projects, contacts, records
            writer.finishFrame(at: start)
            files.append(snapshot)
            try self.write(writer.bytes, to: DataDirectory.path(directory, snapshot.name))
        }
        let loaded = try Recovery.load(shard: name.shard, shards: name.shards, files: files, directory: directory)
        return Loaded(
            contacts: loaded.contacts,
            projects: loaded.states.count,
            validEnd: loaded.segments.last.map(\.validEnd)
        )
    }

    private static func write(_ bytes: [UInt8], to path: String) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError(.io, "\(path): cannot create: \(SystemError.describe(errno))") }
        let failure = bytes.withUnsafeBytes { DataDirectory.writeAll(fd, $0) }
        close(fd)
        if let failure { throw StoreError(.io, "\(path): cannot write: \(SystemError.describe(failure))") }
    }

    /// Rewrites the checksums of the file header and of every frame that fits (walking the
    /// length fields after the header; a version 2 journal segment's frames are salted with the
    /// salt in its header), so that a fuzzer's mutations reach the decoders behind the
    /// checksums. With `setMagic`, also writes `kind`'s magic and format version.
    public static func repairChecksums(_ bytes: inout [UInt8], as kind: Kind, setMagic: Bool) {
        guard bytes.count >= BinaryFormat.headerSize else { return }
        if setMagic {
            let magic = kind == .journal ? BinaryFormat.journalMagic : BinaryFormat.snapshotMagic
            let version = kind == .journal ? BinaryFormat.journalVersion : 1
            bytes.replaceSubrange(0..<8, with: magic)
            withUnsafeBytes(of: version.littleEndian) { bytes.replaceSubrange(8..<12, with: $0) }
        }
        let version = bytes.withUnsafeBytes {
            UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        }
        let salted = version >= 2
        let checked = salted ? 36 : 28
        guard bytes.count >= checked + 4 else { return }
        let headerCRC = CRC32C.checksum(Array(bytes[0..<checked]))
        withUnsafeBytes(of: headerCRC.littleEndian) { bytes.replaceSubrange(checked..<(checked + 4), with: $0) }
        let salt: UInt64? =
            salted
            ? bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 28, as: UInt64.self)) }
            : nil
        let codec = FrameCodec(salt: salt)
        var offset = checked + 4
        while bytes.count - offset > codec.overhead {
            let length = bytes.withUnsafeBytes {
                Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            }
            guard length > 0, length <= bytes.count - offset - codec.overhead else { return }
            let start = offset + codec.overhead
            let prepared = codec.prepare(Array(bytes[start..<(start + length)]), trailerBytes: 0)
            if salted {
                withUnsafeBytes(of: prepared.head.littleEndian) {
                    bytes.replaceSubrange((offset + 4)..<(offset + 8), with: $0)
                }
            }
            withUnsafeBytes(of: prepared.partial.littleEndian) { bytes.replaceSubrange((start - 4)..<start, with: $0) }
            offset = start + length
        }
    }
}
