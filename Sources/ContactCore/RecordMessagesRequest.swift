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
        guard case .object(let message) = value else {
            self = .invalid(id: "", error: "a message must be an object, got \(value.typeName)")
            return
        }
        let id: String
        switch message["id"] {
        case nil, .null?:
            self = .invalid(id: "", error: "id is required")
            return
        case .string(let string)?:
            id = string
        case let other?:
            self = .invalid(id: "", error: "id must be a string, got \(other.typeName)")
            return
        }
        if let problem = ExternalID.problem(with: id) {
            self = .invalid(id: id, error: problem)
            return
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
