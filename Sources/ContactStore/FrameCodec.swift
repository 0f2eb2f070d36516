/// Encodes and checks the frames of one file (see the format at the top of BinaryCodec.swift):
/// version 1 frames (8-byte prefix, plain checksum) or the salted frames of a version 2 journal
/// segment (12-byte prefix, checksums seeded with the segment's random salt).
///
/// The one place a journal frame is written (``prepare(_:trailerBytes:)`` then
/// ``append(_:body:trailer:to:)``) and read (``frame(in:at:)``).
struct FrameCodec: Sendable, Equatable {
    /// The segment's salt, or nil for version 1 frames.
    let salt: UInt64?
    /// The CRC-32C state after the salt bytes (0 for version 1).
    private let seed: UInt32

    /// Version 1 frames: snapshots and old journal segments.
    static let plain = FrameCodec(salt: nil)

    /// Frames salted with `salt` (nil: version 1).
    init(salt: UInt64?) {
        self.salt = salt
        if let salt {
            self.seed = withUnsafeBytes(of: salt.littleEndian) { CRC32C.update(0, $0) }
        } else {
            self.seed = 0
        }
    }

    /// The codec of the file whose header is `header`.
    init(header: BinaryFormat.Header) {
        self.init(salt: header.version >= 2 ? header.salt : nil)
    }

    /// The bytes in front of every payload.
    var overhead: Int { self.salt == nil ? 8 : 12 }

    /// A frame's payload, checksummed except for its trailer (the record's sequence number, known
    /// only under the journal's lock).
    struct Prepared {
        var length: UInt32
        var head: UInt32
        var partial: UInt32
    }

    /// Checksums `body`, the start of a payload that `trailerBytes` more bytes will end.
    func prepare(_ body: [UInt8], trailerBytes: Int) -> Prepared {
        let length = UInt32(body.count + trailerBytes)
        let head = withUnsafeBytes(of: length.littleEndian) { CRC32C.update(self.seed, $0) }
        let partial = body.withUnsafeBytes { CRC32C.update(head, $0) }
        return Prepared(length: length, head: head, partial: partial)
    }

    /// Appends the frame of `body` followed by the 8 bytes of `trailer` to `buffer`.
    func append(_ prepared: Prepared, body: [UInt8], trailer: UInt64, to buffer: inout [UInt8]) {
        var trailerBytes = trailer.littleEndian
        let crc = withUnsafeBytes(of: &trailerBytes) { CRC32C.update(prepared.partial, $0) }
        withUnsafeBytes(of: prepared.length.littleEndian) { buffer.append(contentsOf: $0) }
        if self.salt != nil {
            withUnsafeBytes(of: prepared.head.littleEndian) { buffer.append(contentsOf: $0) }
        }
        withUnsafeBytes(of: crc.littleEndian) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: body)
        withUnsafeBytes(of: &trailerBytes) { buffer.append(contentsOf: $0) }
    }

    /// True when a frame at `offset` has a plausible length and (salted frames) a valid head
    /// checksum: constant time, so a scan over every offset stays linear.
    private func plausible(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> (length: Int, head: UInt32)? {
        guard offset >= 0, bytes.count - offset >= self.overhead + 1 else { return nil }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        guard length > 0, length <= BinaryFormat.maximumPayload, length <= bytes.count - offset - self.overhead else {
            return nil
        }
        let head = CRC32C.update(self.seed, UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 4)]))
        if self.salt != nil {
            let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            guard stored == head else { return nil }
        }
        return (length, head)
    }

    /// The payload range of a frame that starts at `offset` and passes its checksums, or nil.
    func frame(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Range<Int>? {
        guard let (length, head) = self.plausible(bytes, at: offset) else { return nil }
        let checksumOffset = offset + self.overhead - 4
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: checksumOffset, as: UInt32.self))
        let payload = (offset + self.overhead)..<(offset + self.overhead + length)
        let crc = CRC32C.update(head, UnsafeRawBufferPointer(rebasing: bytes[payload]))
        return crc == stored ? payload : nil
    }

    /// The offset of the first frame at or after `offset` that passes its checksums and whose
    /// payload `accept` takes, or nil.
    func nextValidFrame(
        in bytes: UnsafeRawBufferPointer,
        from offset: Int,
        accept: (Range<Int>) -> Bool = { _ in true }
    ) -> Int? {
        var candidate = offset
        while candidate + self.overhead < bytes.count {
            if let payload = self.frame(in: bytes, at: candidate), accept(payload) { return candidate }
            candidate += 1
        }
        return nil
    }
}
