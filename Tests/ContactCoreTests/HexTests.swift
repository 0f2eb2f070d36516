import ContactCore
import Testing

struct HexTests {
    /// Bytes encode as lowercase digits and decode back, in either case.
    @Test func roundTrip() {
        let bytes: [UInt8] = [0x00, 0x0f, 0xa5, 0xff, 0x10]
        #expect(Hex.encode(bytes) == "000fa5ff10")
        #expect(Hex.decode("000fa5ff10".utf8) == bytes)
        #expect(Hex.decode("000FA5FF10".utf8) == bytes)
        #expect(Hex.decode("".utf8) == [])
    }

    /// Odd lengths, non-hex characters and, when asked, uppercase digits are refused.
    @Test(arguments: ["0", "abc", "zz", "0g", " 0", "0x00"])
    func refusesNonHex(text: String) {
        #expect(Hex.decode(text.utf8) == nil)
    }

    /// With `lowercaseOnly`, uppercase digits are refused.
    @Test func lowercaseOnly() {
        #expect(Hex.decode("ab".utf8, lowercaseOnly: true) == [0xab])
        #expect(Hex.decode("AB".utf8, lowercaseOnly: true) == nil)
    }
}
