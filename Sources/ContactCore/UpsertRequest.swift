/// A checked `contacts.upsert` request.
public struct UpsertRequest: Sendable {
    /// The entries, in request order.
    public var entries: [UpsertEntry]
    /// The idempotency key, when given (PROTOCOL.md section 11).
    public var idempotencyKey: String?

    /// A request of `entries`.
    public init(entries: [UpsertEntry], idempotencyKey: String? = nil) {
        self.entries = entries
        self.idempotencyKey = idempotencyKey
    }
}

/// One `contacts.upsert` entry: either well-formed, or already known to fail.
public enum UpsertEntry: Sendable {
    /// An entry whose shape is valid; its operators are checked when applied.
    case valid(id: String, operators: UpdateOperators, createdAt: Timestamp?)
    /// An entry that fails whatever the store holds: `id` is the entry's id when it is a string, else "".
    case invalid(id: String, error: String)

    /// Checks one element of `contacts` (PROTOCOL.md section 5).
    public init(decoding value: JSON) {
        let entry: JSONObject
        let id: String
        switch BatchElement.decode(value, noun: "an entry") {
        case .failure(let rejection):
            self = .invalid(id: rejection.id, error: rejection.error)
            return
        case .success(let element):
            (entry, id) = element
        }
        var operators = JSONObject()
        switch entry["profile"] {
        case nil, .null?: break
        case .object(let object)?: operators = object
        case let other?:
            self = .invalid(id: id, error: "profile must be an object of update operators, got \(other.typeName)")
            return
        }
        var createdAt: Timestamp?
        switch entry["createdAt"] {
        case nil, .null?: break
        case .string(let text)?:
            guard let parsed = Timestamp(rfc3339: text) else {
                self = .invalid(id: id, error: "createdAt \(RequestEnvelope.quoted(text)) is not an RFC 3339 date-time")
                return
            }
            createdAt = parsed
        case let other?:
            self = .invalid(id: id, error: "createdAt must be a string, got \(other.typeName)")
            return
        }
        self = .valid(id: id, operators: .object(operators), createdAt: createdAt)
    }

    /// The id reported in `inserted`, `updated` or `failed`.
    public var reportedID: String {
        switch self {
        case .valid(let id, _, _), .invalid(let id, _): return id
        }
    }
}
