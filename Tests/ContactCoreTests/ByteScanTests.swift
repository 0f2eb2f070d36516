import SeededRandom
import Testing

@testable import ContactCore

struct ByteScanTests {
    /// The index a byte-by-byte scan gives: the first `"` or `\` at or after `start`, or the count.
    private static func naive(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            index += 1
        }
        return index
    }

    private static func scan(_ bytes: [UInt8], from start: Int) -> Int {
        bytes.withUnsafeBufferPointer { ByteScan.quoteOrBackslash(in: $0, from: start) }
    }

    /// A quote or a backslash is found at every offset within and across words, after bytes that
    /// differ from it by one bit or sit next to it (`!`, `#`, `[`, `]`, 0xA2, 0xDC) and after bytes
    /// with the high bit set; none at all gives the count.
    @Test(arguments: [UInt8(ascii: "\""), UInt8(ascii: "\\")])
    func findsTheMarkAtEveryOffset(mark: UInt8) {
        let fillers: [UInt8] = [
            UInt8(ascii: "a"), UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "["),
            UInt8(ascii: "]"), 0xA2, 0xDC, 0xFF, 0x00, 0x01,
        ]
        Self.expectStopFoundAtEveryOffset(mark: mark, fillers: fillers, scan: Self.scan, naive: Self.naive)
    }

    /// Random text with quotes, backslashes and bytes of every value, scanned from every start,
    /// gives what a byte-by-byte scan gives: a borrow after a match never hides an earlier one.
    @Test func agreesWithAByteByByteScan() {
        Self.expectAgreementOnRandomText(seed: 0xB7_5CA4, scan: Self.scan, naive: Self.naive) { random in
            switch random.next() % 8 {
            case 0: return UInt8(ascii: "\"")
            case 1: return UInt8(ascii: "\\")
            case 2: return UInt8(ascii: "\"") ^ 1
            default: return UInt8(truncatingIfNeeded: random.next())
            }
        }
    }

    /// An empty buffer, with no storage at all, gives 0.
    @Test func emptyBuffer() {
        #expect(ByteScan.quoteOrBackslash(in: UnsafeBufferPointer(start: nil, count: 0), from: 0) == 0)
        #expect(ByteScan.plainStringEnd(in: UnsafeBufferPointer(start: nil, count: 0), from: 0) == 0)
    }

    /// The index a byte-by-byte scan gives for the end of a plain string: the first byte that is
    /// not printable ASCII other than `"` and `\`.
    private static func naivePlainEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, (0x20..<0x7F).contains(bytes[index]), bytes[index] != UInt8(ascii: "\""),
            bytes[index] != UInt8(ascii: "\\")
        {
            index += 1
        }
        return index
    }

    private static func plainEnd(_ bytes: [UInt8], from start: Int) -> Int {
        bytes.withUnsafeBufferPointer { ByteScan.plainStringEnd(in: $0, from: start) }
    }

    /// Each byte that ends a plain string is found at every offset within and across words, after
    /// printable bytes next to it in value; printable text alone runs to the count.
    @Test(arguments: [UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x00, 0x1F, 0x0A, 0x7F, 0x80, 0xC3, 0xFF])
    func findsTheEndOfAPlainStringAtEveryOffset(mark: UInt8) {
        let fillers: [UInt8] = [UInt8(ascii: "a"), UInt8(ascii: " "), UInt8(ascii: "!"), UInt8(ascii: "#"), 0x7E, 0x5D]
        Self.expectStopFoundAtEveryOffset(mark: mark, fillers: fillers, scan: Self.plainEnd, naive: Self.naivePlainEnd)
    }

    /// Random bytes of every value, scanned from every start, give what a byte-by-byte scan
    /// gives: a borrow after a control byte never hides an earlier end.
    @Test func plainStringEndAgreesWithAByteByByteScan() {
        Self.expectAgreementOnRandomText(seed: 0xB7_5CA5, scan: Self.plainEnd, naive: Self.naivePlainEnd) { random in
            switch random.next() % 8 {
            case 0: return UInt8(0x20 + random.next() % 0x5F)
            case 1: return UInt8(random.next() % 0x21)
            case 2, 3: return UInt8(ascii: "a")
            default: return UInt8(truncatingIfNeeded: random.next())
            }
        }
    }

    /// For 2,000 texts of up to 47 bytes drawn by `byte`, scanned from every start: `scan` gives
    /// what `naive` gives.
    private static func expectAgreementOnRandomText(
        seed: UInt64,
        scan: ([UInt8], Int) -> Int,
        naive: ([UInt8], Int) -> Int,
        byte: (inout SplitMix64) -> UInt8
    ) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<2_000 {
            let length = Int(random.next() % 48)
            let bytes = (0..<length).map { _ in byte(&random) }
            for start in 0...length {
                #expect(scan(bytes, start) == naive(bytes, start))
            }
        }
    }

    /// For text of `filler` bytes of every length up to 40, with `mark` put at every offset: `scan`
    /// gives what `naive` gives from starts before, at and after the mark; `filler` alone runs to
    /// the count from every start.
    private static func expectStopFoundAtEveryOffset(
        mark: UInt8,
        fillers: [UInt8],
        scan: ([UInt8], Int) -> Int,
        naive: ([UInt8], Int) -> Int
    ) {
        for filler in fillers {
            for length in 0...40 {
                let plain = [UInt8](repeating: filler, count: length)
                for start in 0...length {
                    #expect(scan(plain, start) == length)
                }
                for position in 0..<length {
                    var bytes = plain
                    bytes[position] = mark
                    for start in [0, position / 2, position, min(position + 1, length)] {
                        #expect(scan(bytes, start) == naive(bytes, start))
                    }
                }
            }
        }
    }
}
