/// A 128-bit digest of a request's method and fields, to tell a retry from a different request
/// that reuses an idempotency key (PROTOCOL.md section 11).
public struct Fingerprint: Sendable, Hashable {
    /// The high 64 bits.
    public var high: UInt64
    /// The low 64 bits.
    public var low: UInt64

    /// A fingerprint from its halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The fingerprint of `request`: its members other than `requestId` and `apiKey`, compared as
    /// JSON values with member order ignored and `null` equal to absent at every level (a member
    /// whose value is `null` is dropped from every object; `null` array elements stay).
    public init(of request: JSONObject) {
        var canonical: [UInt8] = []
        var top = JSONObject()
        for member in request.members where member.key != "requestId" && member.key != "apiKey" {
            top.appendUnchecked(key: member.key, value: member.value)
        }
        Self.writeCanonical(.object(top), into: &canonical)
        let digest = SHA256.hash(canonical)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(digest[index])
            low = low << 8 | UInt64(digest[index + 8])
        }
        self.init(high: high, low: low)
    }

    private static func writeCanonical(_ value: JSON, into bytes: inout [UInt8]) {
        switch value {
        case .object(let object):
            let members = object.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for member in members {
                if case .null = member.value { continue }  // `null` equals absent
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                JSONWriter.writeString(member.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                self.writeCanonical(member.value, into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                self.writeCanonical(element, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        default:
            JSONWriter.write(value, into: &bytes)
        }
    }
}
