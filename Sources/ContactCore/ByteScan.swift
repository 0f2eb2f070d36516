/// Finds the end or the next escape of a string in JSON text eight bytes per step: the scan over
/// the strings of a stored profile, whose bytes are mostly neither, so most steps move on by a
/// whole word.
enum ByteScan {
    /// `0x01` in every byte.
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    /// `0x80` in every byte.
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first `"` or `\` of `bytes` at or after `start`, or `bytes.count`.
    @inline(__always)
    static func quoteOrBackslash(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        Self.firstStop(
            in: bytes,
            from: start,
            inWord: { Self.equal($0, UInt8(ascii: "\"")) | Self.equal($0, UInt8(ascii: "\\")) },
            isStop: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        )
    }

    /// The index of the first byte of `bytes` at or after `start` that a plain string cannot
    /// hold, or `bytes.count`: a `"`, a `\`, a control byte (below 0x20), DEL or a byte of a
    /// multi-byte character (0x7F and up). The end of a string of printable ASCII without escapes.
    @inline(__always)
    static func plainStringEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        Self.firstStop(
            in: bytes,
            from: start,
            inWord: { word in
                // Below 0x20: exact up to the lowest such byte, like `equal`; 0x80 and up: the high bit.
                let control = (word &- Self.ones &* 0x20) & ~word & Self.highs
                return Self.equal(word, UInt8(ascii: "\"")) | Self.equal(word, UInt8(ascii: "\\"))
                    | Self.equal(word, 0x7F) | control | (word & Self.highs)
            },
            isStop: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 || $0 >= 0x7F }
        )
    }

    /// True when `a` and `b` hold the same bytes.
    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] { return false }
        return true
    }

    /// True when `bytes` hold the UTF-8 of `text`.
    @inline(__always)
    static func same(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        Self.same(bytes, UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// The index of the first byte at or after `start` that `isStop` accepts, or `bytes.count`:
    /// whole words while eight bytes remain (`inWord` marks a word's stops by their high bits,
    /// exact up to the lowest), then byte by byte.
    @inline(__always)
    private static func firstStop(
        in bytes: UnsafeBufferPointer<UInt8>,
        from start: Int,
        inWord: (UInt64) -> UInt64,
        isStop: (UInt8) -> Bool
    ) -> Int {
        var index = start
        let count = bytes.count
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= count {
                let found = inWord(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                if found != 0 { return index + found.trailingZeroBitCount / 8 }
                index += 8
            }
        }
        while index < count, !isStop(bytes[index]) { index += 1 }
        return index
    }

    /// The bytes of `word` that equal `byte`, as their high bits. Exact up to the lowest such
    /// byte; a bit above it may be set wrongly (a borrow), which a search for the first never reads.
    @inline(__always)
    private static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (Self.ones &* UInt64(byte))
        return (x &- Self.ones) & ~x & Self.highs
    }
}
