/// A checked `contacts.delete` request.
public struct DeleteRequest: Sendable {
    /// The external ids, valid, in request order (repeats kept).
    public var ids: [String]
    /// The idempotency key, when given.
    public var idempotencyKey: String?

    /// A request deleting `ids`.
    public init(ids: [String], idempotencyKey: String? = nil) {
        self.ids = ids
        self.idempotencyKey = idempotencyKey
    }
}
