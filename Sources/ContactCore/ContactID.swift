/// A contact's internal id: 12 bytes shown as 24 lowercase hex digits, ObjectId-like
/// (4 bytes of seconds since the epoch, 5 random bytes fixed per process, a 3-byte counter).
public struct ContactID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The high 8 bytes, big-endian.
    public let high: UInt64
    /// The low 4 bytes, big-endian.
    public let low: UInt32

    /// An id from its two halves.
    public init(high: UInt64, low: UInt32) {
        self.high = high
        self.low = low
    }

    /// Parses 24 hex digits (either case).
    public init?(hex: String) {
        guard hex.utf8.count == 24, let bytes = Hex.decode(hex.utf8) else { return nil }
        self.init(bytes: bytes)
    }

    /// The id whose 12 bytes are `bytes`.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 12)
        var high: UInt64 = 0
        for byte in bytes[0..<8] { high = high << 8 | UInt64(byte) }
        var low: UInt32 = 0
        for byte in bytes[8..<12] { low = low << 8 | UInt32(byte) }
        self.init(high: high, low: low)
    }

    /// The 12 bytes, big-endian.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: self.high >> (56 - 8 * UInt64($0))) }
            + (0..<4).map { UInt8(truncatingIfNeeded: self.low >> (24 - 8 * UInt32($0))) }
    }

    /// 24 lowercase hex digits.
    public var description: String {
        Hex.encode(self.bytes)
    }

    /// Orders ids by their bytes.
    public static func < (lhs: ContactID, rhs: ContactID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
