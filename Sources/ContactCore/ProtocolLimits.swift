/// The configurable limits of PROTOCOL.md (sections 1, 5 and 10).
public struct ProtocolLimits: Sendable, Equatable {
    /// The most entries in `contacts`, `ids` or `messages` (`--max-batch`).
    public var maxBatch: Int
    /// The longest request line, without its `\n` or `\r\n` (`--max-line-bytes`).
    public var maxLineBytes: Int
    /// The largest profile, as compact JSON (`--max-profile-bytes`).
    public var maxProfileBytes: Int

    /// Limits with the documented defaults: 50 entries, 1 MiB lines, 64 KiB profiles.
    public init(maxBatch: Int = 50, maxLineBytes: Int = 1 << 20, maxProfileBytes: Int = 64 << 10) {
        self.maxBatch = maxBatch
        self.maxLineBytes = maxLineBytes
        self.maxProfileBytes = maxProfileBytes
    }

    /// The most entries `contacts.list` returns in one page.
    public static let maxListLimit = 1000
    /// The page size of `contacts.list` when `limit` is absent.
    public static let defaultListLimit = 100
    /// The longest external id, in UTF-8 bytes.
    public static let maxExternalIDBytes = 256
    /// The longest idempotency key, in UTF-8 bytes.
    public static let maxIdempotencyKeyBytes = 128
}
