import ContactCore

/// Makes the `idempotencyKey`s of writes (PROTOCOL.md section 11).
public enum IdempotencyKey {
    /// A fresh random key: 128 bits as 32 lowercase hex digits.
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for _ in 0..<2 {
            let word = generator.next() as UInt64
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return SHA256.hex(bytes)
    }

    /// A key determined by `parts`: `prefix` followed by the SHA-256 of the parts, each preceded by
    /// its length (so `["ab","c"]` and `["a","bc"]` differ). The same parts always give the same
    /// key, which makes re-running the same work safe (64 hex digits plus the prefix).
    public static func derived(prefix: String = "", from parts: [[UInt8]]) -> String {
        var hasher = SHA256()
        for part in parts {
            var length = UInt64(part.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update($0) }
            hasher.update(part)
        }
        return prefix + SHA256.hex(hasher.finalize())
    }

    /// Nil when `key` is acceptable (1 to 128 bytes of UTF-8), else why not.
    public static func problem(with key: String) -> String? {
        let count = key.utf8.count
        if count == 0 { return "idempotencyKey must not be empty" }
        if count > ProtocolLimits.maxIdempotencyKeyBytes {
            return "idempotencyKey is \(count) bytes, over the limit of \(ProtocolLimits.maxIdempotencyKeyBytes)"
        }
        return nil
    }
}
