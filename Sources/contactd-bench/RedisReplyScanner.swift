import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts RESP replies. Every write command the bench sends is answered by one line (`:n` or
/// `-ERR …`), so a write batch is complete after `contacts × repliesPerContact` lines; lines starting
/// with `-` are errors and count as failed entries. A read batch is one `HGETALL` reply per id: an
/// array of bulk strings (RESP2), empty (`*0`) when the key is missing.
struct RedisReplyScanner: ReplyScanner {
    let repliesPerContact: Int
    private var repliesSeen = 0
    private var errorsSeen = 0
    private var missesSeen = 0
    private var atLineStart = true
    /// Read replies: a header line that arrived split across reads, bulk bytes (with their CRLF)
    /// still to skip, and elements left in the array being read.
    private var header: [UInt8] = []
    private var skip = 0
    private var elementsLeft = 0
    private var inArray = false

    init(repliesPerContact: Int) {
        self.repliesPerContact = repliesPerContact
    }

    mutating func next(from buffer: inout ByteBuffer, request: SentRequest) -> ReplyOutcome? {
        let expected = request.isRead ? request.contacts : request.contacts * self.repliesPerContact
        let consumed = buffer.withUnsafeReadableBytes { bytes -> Int in
            request.isRead ? self.scanReads(bytes, expected: expected) : self.scanLines(bytes, expected: expected)
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        guard self.repliesSeen == expected else { return nil }
        let outcome = ReplyOutcome(accepted: true, failedEntries: self.errorsSeen, misses: self.missesSeen)
        self.repliesSeen = 0
        self.errorsSeen = 0
        self.missesSeen = 0
        return outcome
    }

    /// One-line replies: consumes up to the `expected`-th newline; returns the bytes consumed.
    private mutating func scanLines(_ bytes: UnsafeRawBufferPointer, expected: Int) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var offset = 0
        while self.repliesSeen < expected, offset < bytes.count {
            if self.atLineStart {
                if bytes[offset] == UInt8(ascii: "-") { self.errorsSeen += 1 }
                self.atLineStart = false
            }
            guard let found = memchr(base + offset, Int32(UInt8(ascii: "\n")), bytes.count - offset) else {
                return bytes.count
            }
            offset = base.distance(to: UnsafeRawPointer(found)) + 1
            self.repliesSeen += 1
            self.atLineStart = true
        }
        return offset
    }

    /// `HGETALL` replies (flat arrays of bulk strings, or any one-line reply); returns the bytes consumed.
    private mutating func scanReads(_ bytes: UnsafeRawBufferPointer, expected: Int) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var offset = 0
        while self.repliesSeen < expected, offset < bytes.count {
            if self.skip > 0 {
                let step = Swift.min(self.skip, bytes.count - offset)
                offset += step
                self.skip -= step
                if self.skip == 0 { self.elementDone() }
                continue
            }
            guard let found = memchr(base + offset, Int32(UInt8(ascii: "\n")), bytes.count - offset) else {
                self.header.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                return bytes.count
            }
            let end = base.distance(to: UnsafeRawPointer(found))
            let kind: UInt8
            let value: Int
            if self.header.isEmpty {
                (kind, value) = Self.parseHeader(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            } else {
                self.header.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
                (kind, value) = self.header.withUnsafeBytes { Self.parseHeader($0) }
                self.header.removeAll(keepingCapacity: true)
            }
            offset = end + 1
            switch kind {
            case UInt8(ascii: "*"), UInt8(ascii: "%"):
                let elements = kind == UInt8(ascii: "%") ? value * 2 : value
                if self.inArray {
                    // Nested arrays are not expected from HGETALL; count one as one element.
                    self.elementDone()
                } else if elements <= 0 {
                    if elements == 0 { self.missesSeen += 1 }
                    self.replyDone()
                } else {
                    self.inArray = true
                    self.elementsLeft = elements
                }
            case UInt8(ascii: "$"):
                if value < 0 { self.elementDone() } else { self.skip = value + 2 }
            case UInt8(ascii: "-"):
                self.errorsSeen += 1
                self.elementDone()
            default:
                self.elementDone()
            }
        }
        return offset
    }

    private mutating func elementDone() {
        if self.inArray {
            self.elementsLeft -= 1
            if self.elementsLeft > 0 { return }
            self.inArray = false
        }
        self.replyDone()
    }

    private mutating func replyDone() {
        self.repliesSeen += 1
    }

    /// The type byte and the integer after it of a header line (`*4\r`, `$6\r`, `:1\r`).
    private static func parseHeader(_ line: UnsafeRawBufferPointer) -> (UInt8, Int) {
        guard !line.isEmpty else { return (0, 0) }
        var value = 0
        var negative = false
        for byte in line.dropFirst() {
            if byte == UInt8(ascii: "-") {
                negative = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            } else {
                break
            }
        }
        return (line[0], negative ? -value : value)
    }
}
