/// The 64-bit FNV-1a hash of the bytes fed to it, in order: cheap, unseeded, and the same number
/// in every process (shard placement on disk, PostgreSQL lock numbers shared by daemons, a
/// request's table of changed ids).
public struct FNV1a: Sendable {
    /// The hash of the bytes fed so far.
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The hash of no bytes.
    public init() {}

    /// The hash of `string`'s UTF-8 bytes.
    public static func hash(_ string: String) -> UInt64 {
        var hash = FNV1a()
        hash.add(string)
        return hash.value
    }

    /// Feeds one byte.
    public mutating func add(_ byte: UInt8) {
        self.value = (self.value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    /// Feeds `string`'s UTF-8 bytes (read in place when they are contiguous).
    public mutating func add(_ string: String) {
        let fed: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes { self.add(byte) }
        }
        if fed == nil {
            for byte in string.utf8 { self.add(byte) }
        }
    }
}
