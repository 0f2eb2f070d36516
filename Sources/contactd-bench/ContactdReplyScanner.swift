import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads contactd's response lines with as little work as possible: an upsert's line is accepted
/// when it starts with `{"statusCode":200,`; its failed entries are the elements of `"failed":[…]`.
/// A read batch of n ids is n `contacts.get` lines: 200 is a hit, 404 a miss, anything else failed.
struct ContactdReplyScanner: ReplyScanner {
    /// The start of a line that arrived split across reads.
    private var partial: [UInt8] = []
    /// Lines of the current read batch seen so far, and how they went.
    private var readLines = 0
    private var readMisses = 0
    private var readFailures = 0

    private static let okPrefix = Array(#"{"statusCode":200,"#.utf8)
    private static let notFoundPrefix = Array(#"{"statusCode":404,"#.utf8)
    private static let failedKey = Array(#""failed":["#.utf8)

    mutating func next(from buffer: inout ByteBuffer, request: SentRequest) -> ReplyOutcome? {
        guard request.isRead else {
            return self.nextLine(from: &buffer) { Self.classify($0) }
        }
        while self.readLines < request.contacts {
            guard let status = self.nextLine(from: &buffer, { Self.readStatus($0) }) else { return nil }
            self.readLines += 1
            switch status {
            case 200: break
            case 404: self.readMisses += 1
            default: self.readFailures += 1
            }
        }
        let outcome = ReplyOutcome(accepted: true, failedEntries: self.readFailures, misses: self.readMisses)
        self.readLines = 0
        self.readMisses = 0
        self.readFailures = 0
        return outcome
    }

    /// Hands the next complete line (without its newline) to `body` and consumes it; nil (having
    /// kept what was read) when no newline has arrived yet.
    private mutating func nextLine<T>(from buffer: inout ByteBuffer, _ body: (UnsafeRawBufferPointer) -> T) -> T? {
        let newline: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress,
                let found = memchr(base, Int32(UInt8(ascii: "\n")), bytes.count)
            else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
        guard let newline else {
            self.partial.append(contentsOf: buffer.readableBytesView)
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return nil
        }
        let result: T
        if self.partial.isEmpty {
            result = buffer.withUnsafeReadableBytes { bytes in
                body(UnsafeRawBufferPointer(rebasing: bytes[..<newline]))
            }
        } else {
            self.partial.append(contentsOf: buffer.readableBytesView.prefix(newline))
            result = self.partial.withUnsafeBytes { body($0) }
            self.partial.removeAll(keepingCapacity: true)
        }
        buffer.moveReaderIndex(forwardBy: newline + 1)
        return result
    }

    /// 200 or 404 when a `contacts.get` line starts with that status, else 0.
    private static func readStatus(_ line: UnsafeRawBufferPointer) -> Int {
        func starts(with prefix: [UInt8]) -> Bool {
            line.count >= prefix.count
                && prefix.withUnsafeBytes { memcmp($0.baseAddress!, line.baseAddress!, $0.count) == 0 }
        }
        if starts(with: Self.okPrefix) { return 200 }
        if starts(with: Self.notFoundPrefix) { return 404 }
        return 0
    }

    /// The offset just past the first occurrence of `needle` (which starts with a quote) in `line`.
    private static func end(of needle: UnsafeRawBufferPointer, in line: UnsafeRawBufferPointer) -> Int? {
        let base = line.baseAddress!
        var offset = 0
        while offset + needle.count <= line.count {
            guard let found = memchr(base + offset, Int32(needle[0]), line.count - offset) else { return nil }
            offset = base.distance(to: UnsafeRawPointer(found))
            if offset + needle.count > line.count { return nil }
            if memcmp(base + offset, needle.baseAddress!, needle.count) == 0 { return offset + needle.count }
            offset += 1
        }
        return nil
    }

    /// Looks at one response line (without its newline).
    private static func classify(_ line: UnsafeRawBufferPointer) -> ReplyOutcome {
        guard line.count >= Self.okPrefix.count,
            Self.okPrefix.withUnsafeBytes({ memcmp($0.baseAddress!, line.baseAddress!, $0.count) == 0 })
        else {
            return ReplyOutcome(accepted: false, failedEntries: 0)
        }
        let keyEnd = Self.failedKey.withUnsafeBytes { Self.end(of: $0, in: line) }
        guard let keyEnd, keyEnd < line.count else {
            return ReplyOutcome(accepted: false, failedEntries: 0)
        }
        if line[keyEnd] == UInt8(ascii: "]") {
            return ReplyOutcome(accepted: true, failedEntries: 0)
        }
        // Count the array's elements: commas outside strings, up to the closing bracket.
        var elements = 1
        var inString = false
        var escaped = false
        var index = keyEnd
        while index < line.count {
            let byte = line[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: ",") {
                elements += 1
            } else if byte == UInt8(ascii: "]") {
                break
            }
            index += 1
        }
        return ReplyOutcome(accepted: true, failedEntries: elements)
    }
}
