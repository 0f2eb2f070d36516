/// A request whose method's fields have been checked (PROTOCOL.md section 5).
public enum Request: Sendable {
    /// `ping`.
    case ping
    /// `contacts.upsert`.
    case upsert(UpsertRequest)
    /// `contacts.get` of one external id.
    case get(id: String)
    /// `contacts.list`: up to `limit` contacts after `cursor` (from the start when nil).
    case list(limit: Int, cursor: ListCursor?)
    /// `contacts.count`.
    case count
    /// `contacts.delete`.
    case delete(DeleteRequest)
    /// `contacts.recordMessages`.
    case recordMessages(RecordMessagesRequest)
    /// `stats`: figures about the project.
    case stats

    /// True for the requests that may change stored data.
    public var isWrite: Bool {
        switch self {
        case .upsert, .delete, .recordMessages: return true
        case .ping, .get, .list, .count, .stats: return false
        }
    }

    /// Checks the method's fields of `envelope` against `limits`.
    public static func decode(_ envelope: RequestEnvelope, limits: ProtocolLimits) throws(RequestFailure) -> Request {
        let fields = RequestFields(object: envelope.object, requestId: envelope.requestId)
        switch envelope.method {
        case .ping:
            return .ping
        case .count:
            return .count
        case .stats:
            return .stats
        case .adminStats, .adminSnapshot, .adminBackup:
            throw fields.failure("\(envelope.method.rawValue) is answered by the daemon, not by a project's store")
        case .get:
            return .get(id: try fields.externalID("id"))
        case .list:
            let limit = try fields.optionalInteger(
                "limit",
                in: 1...ProtocolLimits.maxListLimit,
                default: ProtocolLimits.defaultListLimit
            )
            var cursor: ListCursor?
            if let text = try fields.optionalString("cursor") {
                guard let decoded = ListCursor(encoded: text) else {
                    throw fields.failure("cursor \(RequestEnvelope.quoted(text)) is not a cursor this server issued")
                }
                cursor = decoded
            }
            return .list(limit: limit, cursor: cursor)
        case .upsert:
            let entries = try fields.batch("contacts", limit: limits.maxBatch)
            let key = try fields.idempotencyKey()
            return .upsert(UpsertRequest(entries: entries.map(UpsertEntry.init(decoding:)), idempotencyKey: key))
        case .delete:
            let values = try fields.batch("ids", limit: limits.maxBatch)
            var ids: [String] = []
            ids.reserveCapacity(values.count)
            for (index, value) in values.enumerated() {
                guard case .string(let id) = value else {
                    throw fields.failure("ids[\(index)] must be a string, got \(value.typeName)")
                }
                if let problem = ExternalID.problem(with: id) {
                    throw fields.failure("ids[\(index)]: \(problem)")
                }
                ids.append(id)
            }
            let key = try fields.idempotencyKey()
            return .delete(DeleteRequest(ids: ids, idempotencyKey: key))
        case .recordMessages:
            let values = try fields.batch("messages", limit: limits.maxBatch)
            let key = try fields.idempotencyKey()
            return .recordMessages(
                RecordMessagesRequest(messages: values.map(MessageEntry.init(decoding:)), idempotencyKey: key)
            )
        }
    }
}

/// Typed access to a request's members, failing with 400 and a message naming the field.
struct RequestFields {
    let object: JSONObject
    let requestId: RequestID?

    func failure(_ message: String) -> RequestFailure {
        RequestFailure(.badRequest, message, requestId: self.requestId)
    }

    /// A member's value; `null` reads as absent.
    func value(_ name: String) -> JSON? {
        switch self.object[name] {
        case nil, .null?: return nil
        case let value?: return value
        }
    }

    func externalID(_ name: String) throws(RequestFailure) -> String {
        guard let value = self.value(name) else { throw self.failure("\(name) is required") }
        guard case .string(let id) = value else {
            throw self.failure("\(name) must be a string, got \(value.typeName)")
        }
        if let problem = ExternalID.problem(with: id) { throw self.failure(problem) }
        return id
    }

    func optionalString(_ name: String) throws(RequestFailure) -> String? {
        guard let value = self.value(name) else { return nil }
        guard case .string(let string) = value else {
            throw self.failure("\(name) must be a string, got \(value.typeName)")
        }
        return string
    }

    func optionalInteger(
        _ name: String,
        in range: ClosedRange<Int>,
        default fallback: Int
    ) throws(RequestFailure) -> Int {
        guard let value = self.value(name) else { return fallback }
        guard case .int(let number) = value else {
            throw self.failure("\(name) must be an integer, got \(value.typeName)")
        }
        guard number >= range.lowerBound && number <= range.upperBound else {
            throw self.failure("\(name) must be from \(range.lowerBound) to \(range.upperBound), got \(number)")
        }
        return Int(number)
    }

    func batch(_ name: String, limit: Int) throws(RequestFailure) -> [JSON] {
        guard let value = self.value(name) else { throw self.failure("\(name) is required") }
        guard case .array(let elements) = value else {
            throw self.failure("\(name) must be an array, got \(value.typeName)")
        }
        if elements.isEmpty { throw self.failure("\(name): at least 1 entry is required") }
        if elements.count > limit { throw self.failure("\(name): at most \(limit) entries, got \(elements.count)") }
        return elements
    }

    func idempotencyKey() throws(RequestFailure) -> String? {
        guard let key = try self.optionalString("idempotencyKey") else { return nil }
        let count = key.utf8.count
        guard count >= 1 && count <= ProtocolLimits.maxIdempotencyKeyBytes else {
            throw self.failure(
                "idempotencyKey must be 1 to \(ProtocolLimits.maxIdempotencyKeyBytes) bytes, got \(count)"
            )
        }
        return key
    }
}
