import ContactCore

// On-disk format of the data folder (also described, with the recovery rules, in
// docs/STORAGE.md). All integers are little-endian; "varint" is unsigned LEB128 (7 bits per
// byte, low groups first); "zigzag" is a signed value mapped to a varint as (n << 1) ^ (n >> 63);
// "bytes" is a varint length followed by that many bytes; "string" is bytes holding UTF-8.
//
// Files (C = shard count, I = shard index, S = 16 lowercase hex digits of a sequence number):
//   LOCK                         flock(LOCK_EX|LOCK_NB) by the running daemon; empty
//   LAYOUT                       text "contactd-data 1\nshards C\n"; names the current layout
//   journal.C.I.S                journal segment whose first record has sequence S
//   snapshot.C.I.S               snapshot holding every record of shard I with sequence < S
//   *.tmp                        unfinished file; removed on start
//
// File header, at the start of every journal segment and snapshot. Version 1 (snapshots, and
// journal segments written before journal format 2), 32 bytes:
//   0  magic     8 bytes  "CDJOURNL" (journal) or "CDSNAPSH" (snapshot)
//   8  version   u32      1
//   12 shard     u32      shard index I
//   16 shards    u32      shard count C
//   20 sequence  u64      S (journal: first record's sequence; snapshot: covers every record < S)
//   28 crc       u32      CRC-32C of bytes 0 ..< 28
// Version 2 (journal segments only), 40 bytes: the same up to byte 28, then
//   28 salt      u64      random, chosen when the segment is created
//   36 crc       u32      CRC-32C of bytes 0 ..< 36
//
// Frame of a version 1 file (every snapshot block, and records of version 1 journal segments):
//   0  length    u32      payload length L (1 ... 1 GiB)
//   4  crc       u32      CRC-32C of the 4 length bytes followed by the payload
//   8  payload   L bytes
// Frame of a version 2 journal segment (the salt makes a checksum-valid frame impossible to
// forge for a client who chose bytes inside a record, and the head checksum lets recovery test
// every byte offset for a following record in constant time, so its scan stays linear):
//   0  length    u32      payload length L (1 ... 1 GiB)
//   4  head      u32      CRC-32C of the 8 salt bytes followed by the 4 length bytes
//   8  crc       u32      CRC-32C of the salt bytes, the length bytes and the payload
//   12 payload   L bytes
//
// Journal record payload (one per request; records are numbered 1, 2, 3 ... per shard, with no
// gap, across segments):
//   project string, change count varint, then each change:
//     tag u8 1 = put:      contact
//     tag u8 2 = delete:   external id string
//     tag u8 3 = remember: idempotency record
//     tag u8 4 = update:   profile patch (a contact that existed before the record)
//   and last, sequence u64 (at the end, so the checksum of everything before it can be
//   computed before the sequence is assigned, outside the append lock)
//
// Contact:  id high u64, id low u32, createdAt i64 ms, updatedAt i64 ms, externalId string,
//           profile bytes (compact JSON as stored), bucket count varint, then per bucket:
//           year zigzag, month u8, count zigzag.
// Profile patch: externalId string, updatedAt i64 ms, base length varint (the profile it applies
//           to: the contact's as of the record before), result length varint, result crc u32
//           (CRC-32C of the new profile), run count varint, then per run: literal bytes (copied
//           into the new profile), base start varint, run length varint (bytes copied from the
//           base profile); then the literal bytes after the last run. The contact keeps its id,
//           createdAt and stats.
// Idempotency record: key string, fingerprint high u64, fingerprint low u64, response bytes,
//           at i64 ms.
//
// Snapshot blocks (frame payloads; the first byte is the kind):
//   1 project:  name string, contact count varint, record count varint
//   2 contacts: count u32, then that many contacts (of the latest project; blocks of about
//               1 MiB, so one project's contacts span many blocks)
//   3 records:  count u32, then that many idempotency records, oldest first
//   4 copied through: sequence varint (>= the snapshot's S): the projects were copied while
//               writes went on and may hold records S ... sequence already; only ever the first
//               block, and only written when there are such records
//   255 end:    project count varint, contact count varint, record count varint
// A snapshot ends with exactly one end block, which must be the last bytes of the file.

// MARK: - Writing

/// Appends the binary encoding of journal and snapshot values to a byte array.
struct BinaryWriter {
    /// The bytes written so far.
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        self.bytes.reserveCapacity(capacity)
    }

    mutating func u8(_ value: UInt8) {
        self.bytes.append(value)
    }

    mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { self.bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { self.bytes.append(contentsOf: $0) }
    }

    mutating func i64(_ value: Int64) {
        self.u64(UInt64(bitPattern: value))
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            self.bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        self.bytes.append(UInt8(value))
    }

    mutating func varint(_ value: Int) {
        self.varint(UInt64(value))
    }

    mutating func zigzag(_ value: Int64) {
        self.varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            self.varint(utf8.count)
            self.bytes.append(contentsOf: utf8)
        }
    }

    mutating func byteString(_ value: [UInt8]) {
        self.varint(value.count)
        self.bytes.append(contentsOf: value)
    }

    mutating func contact(_ contact: Contact) {
        self.u64(contact.id.high)
        self.u32(contact.id.low)
        self.i64(contact.createdAt.milliseconds)
        self.i64(contact.updatedAt.milliseconds)
        self.string(contact.externalId)
        self.byteString(contact.profile)
        let buckets = contact.stats.buckets
        self.varint(buckets.count)
        for bucket in buckets {
            self.zigzag(Int64(bucket.year))
            self.u8(bucket.month)
            self.zigzag(bucket.count)
        }
    }

    mutating func record(_ record: IdempotencyRecord) {
        self.string(record.key)
        self.u64(record.fingerprint.high)
        self.u64(record.fingerprint.low)
        self.byteString(record.response)
        self.i64(record.at.milliseconds)
    }

    /// `change`; `runs` is its change set's ``ChangeSet/copiedRuns``.
    mutating func change(_ change: Change, runs: [Int]) {
        switch change {
        case .put(let contact):
            self.u8(1)
            self.contact(contact)
        case .update(let contact, let copies) where copies.runs.upperBound <= runs.count:
            self.u8(4)
            self.patch(contact, copies, runs: runs)
        case .update(let contact, _):
            // Runs that are not in this change set: the whole contact.
            self.u8(1)
            self.contact(contact)
        case .delete(let externalId):
            self.u8(2)
            self.string(externalId)
        case .remember(let record):
            self.u8(3)
            self.record(record)
        }
    }

    /// A profile patch: `contact`'s new profile as the bytes `copies` does not copy from its
    /// previous profile, and the runs it does.
    mutating func patch(_ contact: Contact, _ copies: ProfileCopies, runs allRuns: [Int]) {
        self.string(contact.externalId)
        self.i64(contact.updatedAt.milliseconds)
        self.varint(copies.baseCount)
        self.varint(contact.profile.count)
        self.u32(CRC32C.checksum(contact.profile))
        self.varint(copies.runs.count / 3)
        contact.profile.withUnsafeBufferPointer { profile in
            allRuns.withUnsafeBufferPointer { allRuns in
                self.patch(profile, runs: UnsafeBufferPointer(rebasing: allRuns[copies.runs]))
            }
        }
    }

    /// The literal bytes and runs of a patch of `profile`.
    private mutating func patch(_ profile: UnsafeBufferPointer<UInt8>, runs: UnsafeBufferPointer<Int>) {
        var position = 0
        var index = 0
        while index + 2 < runs.count {
            let start = runs[index]
            self.varint(start - position)
            self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: profile[position..<start]))
            self.varint(runs[index + 1])
            self.varint(runs[index + 2])
            position = start + runs[index + 2]
            index += 3
        }
        self.varint(profile.count - position)
        self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: profile[position...]))
    }

    /// Reserves a frame's 8-byte prefix; returns where it starts, for ``finishFrame(at:)``.
    mutating func startFrame() -> Int {
        let start = self.bytes.count
        self.u64(0)
        return start
    }

    /// Fills in the length and checksum of the frame started at `start`, whose payload is
    /// everything appended since.
    mutating func finishFrame(at start: Int) {
        let length = self.bytes.count - start - 8
        precondition(length > 0 && length <= BinaryFormat.maximumPayload, "frame payload of \(length) bytes")
        self.bytes.withUnsafeMutableBytes { buffer in
            buffer.storeBytes(of: UInt32(length).littleEndian, toByteOffset: start, as: UInt32.self)
            var crc = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: buffer[start..<(start + 4)]))
            crc = CRC32C.update(crc, UnsafeRawBufferPointer(rebasing: buffer[(start + 8)...]))
            buffer.storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
    }
}

// MARK: - Reading

/// Why bytes could not be decoded; the caller turns it into a ``StoreError`` naming the file.
struct BinaryDecodingError: Error {
    var message: String
}

/// Reads the binary encoding from memory it does not own (a mapped file or a buffer).
struct BinaryReader {
    private let base: UnsafeRawPointer?
    /// The number of readable bytes.
    let count: Int
    /// The next byte to read.
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.base = bytes.baseAddress
        self.count = bytes.count
        self.position = position
    }

    /// True when every byte has been read.
    var isAtEnd: Bool { self.position >= self.count }

    private mutating func take(_ size: Int) throws(BinaryDecodingError) -> UnsafeRawPointer {
        guard size >= 0, size <= self.count - self.position, let base = self.base else {
            throw BinaryDecodingError(message: "value runs past the end of its block")
        }
        let pointer = base + self.position
        self.position += size
        return pointer
    }

    mutating func u8() throws(BinaryDecodingError) -> UInt8 {
        try self.take(1).load(as: UInt8.self)
    }

    mutating func u32() throws(BinaryDecodingError) -> UInt32 {
        UInt32(littleEndian: try self.take(4).loadUnaligned(as: UInt32.self))
    }

    mutating func u64() throws(BinaryDecodingError) -> UInt64 {
        UInt64(littleEndian: try self.take(8).loadUnaligned(as: UInt64.self))
    }

    mutating func i64() throws(BinaryDecodingError) -> Int64 {
        Int64(bitPattern: try self.u64())
    }

    mutating func varint() throws(BinaryDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try self.u8()
            guard shift < 64 else { throw BinaryDecodingError(message: "varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
    }

    /// A varint used as a length or count, at most the bytes left (every element takes a byte).
    mutating func length() throws(BinaryDecodingError) -> Int {
        let value = try self.varint()
        guard value <= UInt64(self.count - self.position) else {
            throw BinaryDecodingError(message: "length \(value) runs past the end of its block")
        }
        return Int(value)
    }

    /// A varint used as a count of values stored elsewhere (at most Int.max).
    mutating func int() throws(BinaryDecodingError) -> Int {
        let value = try self.varint()
        guard let int = Int(exactly: value) else { throw BinaryDecodingError(message: "count \(value) too large") }
        return int
    }

    mutating func zigzag() throws(BinaryDecodingError) -> Int64 {
        let value = try self.varint()
        return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    mutating func rawBytes() throws(BinaryDecodingError) -> UnsafeRawBufferPointer {
        let length = try self.length()
        return UnsafeRawBufferPointer(start: try self.take(length), count: length)
    }

    mutating func string() throws(BinaryDecodingError) -> String {
        let raw = try self.rawBytes()
        return String(decoding: raw.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }

    mutating func byteString() throws(BinaryDecodingError) -> [UInt8] {
        Array(try self.rawBytes())
    }

    mutating func contact() throws(BinaryDecodingError) -> Contact {
        let high = try self.u64()
        let low = try self.u32()
        let createdAt = try self.i64()
        let updatedAt = try self.i64()
        let externalId = try self.string()
        let profile = try self.byteString()
        let bucketCount = try self.length()
        var stats = MessageStats()
        if bucketCount > 0 {
            var buckets: [MessageStats.Bucket] = []
            buckets.reserveCapacity(bucketCount)
            for _ in 0..<bucketCount {
                let year = try self.zigzag()
                let month = try self.u8()
                let count = try self.zigzag()
                guard let year32 = Int32(exactly: year) else {
                    throw BinaryDecodingError(message: "stats year \(year) out of range")
                }
                buckets.append(MessageStats.Bucket(year: year32, month: month, count: count))
            }
            stats = MessageStats(buckets: buckets)
        }
        return Contact(
            id: ContactID(high: high, low: low),
            externalId: externalId,
            profile: profile,
            stats: stats,
            createdAt: Timestamp(milliseconds: createdAt),
            updatedAt: Timestamp(milliseconds: updatedAt)
        )
    }

    mutating func record() throws(BinaryDecodingError) -> IdempotencyRecord {
        let key = try self.string()
        let high = try self.u64()
        let low = try self.u64()
        let response = try self.byteString()
        let at = try self.i64()
        return IdempotencyRecord(
            key: key,
            fingerprint: Fingerprint(high: high, low: low),
            response: response,
            at: Timestamp(milliseconds: at)
        )
    }

    mutating func change() throws(BinaryDecodingError) -> Journal.RecordedChange {
        switch try self.u8() {
        case 1: return .change(.put(try self.contact()))
        case 2: return .change(.delete(externalId: try self.string()))
        case 3: return .change(.remember(try self.record()))
        case 4: return .patch(try self.patch())
        case let tag: throw BinaryDecodingError(message: "unknown change tag \(tag)")
        }
    }

    /// A profile patch, its runs checked for shape (not against a base: replay does that).
    mutating func patch() throws(BinaryDecodingError) -> ProfilePatch {
        let externalId = try self.string()
        let updatedAt = try self.i64()
        let baseCount = try self.int()
        let resultCount = try self.int()
        let checksum = try self.u32()
        let runCount = try self.length()
        let start = self.position
        for _ in 0..<runCount {
            _ = try self.rawBytes()
            _ = try self.varint()
            _ = try self.varint()
        }
        _ = try self.rawBytes()
        guard let base = self.base else { throw BinaryDecodingError(message: "profile patch without bytes") }
        return ProfilePatch(
            externalId: externalId,
            updatedAt: Timestamp(milliseconds: updatedAt),
            baseCount: baseCount,
            resultCount: resultCount,
            resultChecksum: checksum,
            runCount: runCount,
            pieces: Array(UnsafeRawBufferPointer(start: base + start, count: self.position - start))
        )
    }
}

// MARK: - Frames and headers

/// Constants and helpers of the on-disk format described at the top of this file.
enum BinaryFormat {
    /// The format version of new journal segments (salted frames); snapshots are version 1.
    static let journalVersion: UInt32 = 2
    /// The size of a version 1 file header (snapshots, old journal segments).
    static let headerSize = 32
    /// The size of a version 2 journal segment header.
    static let journalHeaderSize = 40
    /// The size of a version 1 frame's length and checksum.
    static let frameOverhead = 8
    /// The largest frame payload accepted (1 GiB).
    static let maximumPayload = 1 << 30
    /// The magic of a journal segment.
    static let journalMagic: [UInt8] = Array("CDJOURNL".utf8)
    /// The magic of a snapshot.
    static let snapshotMagic: [UInt8] = Array("CDSNAPSH".utf8)

    /// Snapshot block kinds.
    static let projectBlock: UInt8 = 1
    static let contactsBlock: UInt8 = 2
    static let recordsBlock: UInt8 = 3
    static let copiedThroughBlock: UInt8 = 4
    static let endBlock: UInt8 = 255

    /// A file header (see the top of this file).
    struct Header: Equatable {
        var magic: [UInt8]
        var shard: UInt32
        var shards: UInt32
        var sequence: UInt64
        /// 1 (32 bytes, unsalted frames) or 2 (40 bytes, journal segments with salted frames).
        var version: UInt32 = 1
        /// The salt of a version 2 journal segment's frame checksums; 0 in version 1.
        var salt: UInt64 = 0

        /// The header's size in bytes.
        var size: Int { self.version == 1 ? BinaryFormat.headerSize : BinaryFormat.journalHeaderSize }
    }

    /// The header bytes of `header` (32 or 40, by its version).
    static func encode(_ header: Header) -> [UInt8] {
        var writer = BinaryWriter(capacity: header.size)
        writer.bytes.append(contentsOf: header.magic)
        writer.u32(header.version)
        writer.u32(header.shard)
        writer.u32(header.shards)
        writer.u64(header.sequence)
        if header.version >= 2 { writer.u64(header.salt) }
        writer.u32(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// The header at the start of `bytes`, or nil when it is missing, damaged or of an unknown version.
    static func decodeHeader(_ bytes: UnsafeRawBufferPointer) -> Header? {
        guard bytes.count >= self.headerSize else { return nil }
        var reader = BinaryReader(bytes, position: 8)
        guard let version = try? reader.u32(), version == 1 || version == self.journalVersion else { return nil }
        let checked = version == 1 ? 28 : 36
        guard bytes.count >= checked + 4 else { return nil }
        reader.position = checked
        guard let crc = try? reader.u32(),
            crc == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<checked]))
        else { return nil }
        reader.position = 12
        guard let shard = try? reader.u32(), let shards = try? reader.u32(), let sequence = try? reader.u64()
        else { return nil }
        let salt = version == 1 ? 0 : ((try? reader.u64()) ?? 0)
        return Header(
            magic: Array(bytes[0..<8]),
            shard: shard,
            shards: shards,
            sequence: sequence,
            version: version,
            salt: salt
        )
    }

    /// The payload range of a version 1 frame that starts at `offset` and passes its checksum, or nil.
    static func frame(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Range<Int>? {
        FrameCodec.plain.frame(in: bytes, at: offset)
    }
}
