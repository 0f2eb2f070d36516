#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Counts RESP replies: every command the bench sends is answered by one line (`:n` or `-ERR …`),
/// so a batch is complete after `contacts × repliesPerContact` lines; lines starting with `-` are
/// errors and count as failed entries.
struct RedisReplyScanner: ReplyScanner {
    let repliesPerContact: Int
    private var repliesSeen = 0
    private var errorsSeen = 0
    private var atLineStart = true

    init(repliesPerContact: Int) {
        self.repliesPerContact = repliesPerContact
    }

    mutating func next(from buffer: inout ByteBuffer, contacts: Int) -> ReplyOutcome? {
        let expected = contacts * self.repliesPerContact
        let consumed = buffer.withUnsafeReadableBytes { bytes -> Int in
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
        buffer.moveReaderIndex(forwardBy: consumed)
        guard self.repliesSeen == expected else { return nil }
        let outcome = ReplyOutcome(accepted: true, failedEntries: self.errorsSeen)
        self.repliesSeen = 0
        self.errorsSeen = 0
        return outcome
    }
}
