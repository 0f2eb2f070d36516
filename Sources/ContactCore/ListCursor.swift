/// The position after a `contacts.list` page: the last external id returned.
///
/// Encoded as `"c1."` followed by the id's UTF-8 bytes in lowercase hex, so that it names a
/// position, not a snapshot, and stays valid across restarts and writes.
public struct ListCursor: Sendable, Equatable {
    /// The external id the next page starts after.
    public var after: String

    /// A cursor positioned after `after`.
    public init(after: String) {
        self.after = after
    }

    /// Decodes a cursor this server issued; nil for anything else.
    public init?(encoded: String) {
        let utf8 = Array(encoded.utf8)
        guard utf8.count > 3, utf8.count % 2 == 1, utf8[0..<3].elementsEqual("c1.".utf8) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 3) / 2)
        var index = 3
        while index < utf8.count {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        guard let id = String(validating: bytes, as: UTF8.self), ExternalID.problem(with: id) == nil else {
            return nil
        }
        self.after = id
    }

    /// The opaque text handed to clients.
    public var encoded: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = Array("c1.".utf8)
        for byte in self.after.utf8 {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
