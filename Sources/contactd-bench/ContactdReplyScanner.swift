#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Reads contactd's response lines with as little work as possible: a line is accepted when it
/// starts with `{"statusCode":200,`; its failed entries are the elements of `"failed":[…]`.
struct ContactdReplyScanner: ReplyScanner {
    /// The start of a line that arrived split across reads.
    private var partial: [UInt8] = []

    private static let okPrefix = Array(#"{"statusCode":200,"#.utf8)
    private static let failedKey = Array(#""failed":["#.utf8)

    mutating func next(from buffer: inout ByteBuffer, contacts: Int) -> ReplyOutcome? {
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
        let outcome: ReplyOutcome
        if self.partial.isEmpty {
            outcome = buffer.withUnsafeReadableBytes { bytes in
                Self.classify(UnsafeRawBufferPointer(rebasing: bytes[..<newline]))
            }
        } else {
            self.partial.append(contentsOf: buffer.readableBytesView.prefix(newline))
            outcome = self.partial.withUnsafeBytes { Self.classify($0) }
            self.partial.removeAll(keepingCapacity: true)
        }
        buffer.moveReaderIndex(forwardBy: newline + 1)
        return outcome
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
