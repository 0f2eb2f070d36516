/// The reply to `stats` (PROTOCOL.md section 5): figures about the key's project.
public struct ProjectStats: Sendable, Equatable {
    /// The project's name.
    public var project: String
    /// How many contacts it holds.
    public var contacts: Int
    /// How many idempotency keys it remembers.
    public var idempotencyKeys: Int
    /// Bytes of the compact JSON of all its profiles (nil from a server that does not say).
    public var profileBytes: Int?
    /// Bytes of its remembered keys and replies (nil from a server that does not say).
    public var idempotencyBytes: Int?
}
