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
    public static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// True when the two ids have the same UTF-8 bytes.
    public static func equal(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }
}
