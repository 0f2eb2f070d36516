import Testing

@testable import ContactStore

struct CRC32CTests {
    /// The standard check value: CRC-32C of "123456789" is 0xE3069283.
    @Test func matchesTheCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    /// Known vectors from RFC 3720 (iSCSI): 32 zero bytes and 32 bytes of 0xFF.
    @Test func matchesRFC3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    /// The sliced table loop agrees with the bitwise definition for every length and alignment.
    @Test func slicingMatchesBitwise() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 7) {
                let slice = Array(bytes[start..<end])
                #expect(CRC32C.checksum(slice) == CRC32C.bitwise(slice))
            }
        }
    }

    /// The CPU's crc32 instruction (used when present) and the tables agree for every length
    /// and alignment; on this machine's x86-64 CPUs the instruction is there.
    @Test func hardwareMatchesTables() {
        #if arch(x86_64)
        #expect(CRC32C.hardware)
        #endif
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 5) {
                let slice = Array(bytes[start..<end])
                let tables = slice.withUnsafeBytes { CRC32C.software(0x1234_5678, $0) }
                let chosen = slice.withUnsafeBytes { CRC32C.update(0x1234_5678, $0) }
                #expect(tables == chosen)
            }
        }
    }

    /// Checksumming in pieces with `update` gives the checksum of the whole.
    @Test func updateIsIncremental() {
        let bytes = Array("The quick brown fox jumps over the lazy dog".utf8)
        for split in 0...bytes.count {
            let first = bytes[..<split].withUnsafeBytes { CRC32C.update(0, $0) }
            let whole = bytes[split...].withUnsafeBytes { CRC32C.update(first, $0) }
            #expect(whole == CRC32C.checksum(bytes))
        }
    }
}
