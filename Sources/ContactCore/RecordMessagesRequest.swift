/// A checked `contacts.recordMessages` request.
public struct RecordMessagesRequest: Sendable {
    /// The messages, in request order.
    public var messages: [MessageEntry]
    /// The idempotency key, when given.
    public var idempotencyKey: String?

    /// A request recording `messages`.
    public init(messages: [MessageEntry], idempotencyKey: String? = nil) {
        self.messages = messages
        self.idempotencyKey = idempotencyKey
    }
}

/// One element of `messages`: well-formed, or already known to fail.
public enum MessageEntry: Sendable {
    /// A message for `id` received at `at` (now when nil).
    case valid(id: String, at: Timestamp?)
    /// A message that fails: `id` is its id when a string, else "".
    case invalid(id: String, error: String)

    /// Checks one element of `messages`.
    public init(decoding value: JSON) {
        let message: JSONObject
        let id: String
        switch BatchElement.decode(value, noun: "a message") {
        case .failure(let rejection):
            self = .invalid(id: rejection.id, error: rejection.error)
            return
        case .success(let element):
            (message, id) = element
        }
        switch message["at"] {
        case nil, .null?:
            self = .valid(id: id, at: nil)
        case .string(let text)?:
            guard let at = Timestamp(rfc3339: text) else {
                self = .invalid(id: id, error: "at \(RequestEnvelope.quoted(text)) is not an RFC 3339 date-time")
                return
            }
            self = .valid(id: id, at: at)
        case let other?:
            self = .invalid(id: id, error: "at must be a string, got \(other.typeName)")
        }
    }

    /// The id reported in `recorded` or `failed`.
    public var reportedID: String {
        switch self {
        case .valid(let id, _), .invalid(let id, _): return id
        }
    }
}
