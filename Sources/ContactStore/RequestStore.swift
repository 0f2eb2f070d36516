public import ContactCore

/// What the request path needs from a store: run one checked request of one project and say
/// when its reply may be written. The embedded journaled store (``ContactStore``) and the
/// PostgreSQL store implement it, so that the server, the protocol and the update engine stay
/// single (PROTOCOL.md sections 5 to 8, 11 and 13).
///
/// Requests of one connection are run one at a time, in order; requests of one project run in
/// the order they reach the store. The reply of a change is written only once the change is
/// durable as the store defines it (``StoreReply/durability``).
public protocol RequestStore: Sendable {
    /// Runs `request` for `project` at `context`'s instant.
    ///
    /// Throws when the request could not run and changed nothing (the journal is degraded, the
    /// record is too large, the database cannot be reached): the client gets 503.
    func run(_ request: Request, project: String, context: WriteContext) async throws(StoreError) -> StoreReply
}

/// A store's reply to one request, and what must happen before the client may see it.
public struct StoreReply: Sendable {
    /// The response, without `replayed` and `requestId`.
    public var body: [UInt8]
    /// True for a replayed idempotent response (PROTOCOL.md section 11).
    public var replayed: Bool
    /// When the reply may be written.
    public var durability: ReplyDurability

    /// A reply of `body`, written once `durability` allows.
    public init(body: [UInt8], replayed: Bool, durability: ReplyDurability) {
        self.body = body
        self.replayed = replayed
        self.durability = durability
    }
}

/// When a reply may be written (PROTOCOL.md section 8).
public enum ReplyDurability: Sendable {
    /// Now: everything the reply reflects is already durable (a PostgreSQL reply after its commit).
    case durable
    /// Once record `ticket` of `log` is durable: the request's own record, or the last record that
    /// touched the project. The store has run the request already, so the connection reads on
    /// while the journal's group commit runs.
    case afterRecord(ticket: UInt64, log: any ChangeLog)
}
