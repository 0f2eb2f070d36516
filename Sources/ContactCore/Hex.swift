/// Hexadecimal text of bytes (ids, digests, cursors) and its parsing.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The lowercase hex digits of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        self.append(bytes, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends the lowercase hex digits of `bytes` to `output`.
    public static func append(_ bytes: some Sequence<UInt8>, to output: inout [UInt8]) {
        for byte in bytes {
            output.append(self.digits[Int(byte >> 4)])
            output.append(self.digits[Int(byte & 0xF)])
        }
    }

    /// The bytes that the hex digits `text` spell, or nil when it is not an even number of hex
    /// digits (lowercase only when `lowercaseOnly`, else either case).
    public static func decode(_ text: some Collection<UInt8>, lowercaseOnly: Bool = false) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var high: UInt8?
        for character in text {
            guard let value = self.value(of: character, lowercaseOnly: lowercaseOnly) else { return nil }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }

    private static func value(of character: UInt8, lowercaseOnly: Bool) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F") where !lowercaseOnly: return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
