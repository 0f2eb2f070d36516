#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Rules for the caller's contact id (`externalId`, PROTOCOL.md section 4).
public enum ExternalID {
    /// Why `id` is not a valid external id, or nil when it is one: 1 to 256 bytes of UTF-8
    /// without control characters (U+0000–U+001F, U+007F).
    public static func problem(with id: String) -> String? {
        let count = id.utf8.count
        if count == 0 { return "id must not be empty" }
        if count > ProtocolLimits.maxExternalIDBytes {
            return "id is \(count) bytes, over the limit of \(ProtocolLimits.maxExternalIDBytes)"
        }
        if id.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "id must not contain control characters"
        }
        return nil
    }

    /// Orders two ids bytewise by their UTF-8 encoding (no Unicode normalisation).
    @inlinable
    public static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        self.compare(lhs, rhs) < 0
    }

    /// Compares two ids bytewise: negative, zero or positive as `lhs` sorts before, equal to or
    /// after `rhs`.
    @inlinable
    public static func compare(_ lhs: String, _ rhs: String) -> Int {
        let result = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right -> Int in
                let common = min(left.count, right.count)
                if common > 0 {
                    let order = memcmp(left.baseAddress!, right.baseAddress!, common)
                    if order != 0 { return Int(order) }
                }
                return left.count - right.count
            }
        }
        if let result, let order = result { return order }
        if lhs.utf8.elementsEqual(rhs.utf8) { return 0 }
        return lhs.utf8.lexicographicallyPrecedes(rhs.utf8) ? -1 : 1
    }
}
