import ContactCore

/// A project's contacts and remembered idempotency keys, and the rules that change them.
///
/// Pure: the ``Project`` actor serialises access and journals the changes; recovery replays
/// them through ``apply(_:sequence:)``.
public struct ProjectState: Sendable {
    /// The project's name.
    public let name: String
    /// The contacts.
    public private(set) var contacts = ContactIndex()
    /// The remembered idempotency keys.
    public private(set) var idempotency = IdempotencyCache()

    /// An empty project.
    public init(name: String) {
        self.name = name
    }

    /// The outcome of one request: the response body, and the changes to journal.
    public struct Outcome: Sendable {
        /// The response, without `replayed` and `requestId`.
        public var body: [UInt8]
        /// The status of the response.
        public var status: Status
        /// The changes made (empty for reads and for writes that changed nothing).
        public var changes: [Change]
        /// For a replay: the journal sequence number that makes the original durable.
        public var replayOf: UInt64?
    }

    // MARK: - Replay

    /// Applies journaled or snapshotted `changes`; `sequence` is their journal record's number.
    public mutating func apply(_ changes: [Change], sequence: UInt64) {
        for change in changes {
            switch change {
            case .put(let contact): self.contacts.put(contact)
            case .delete(let externalId): self.contacts.remove(externalId)
            case .remember(let record): self.idempotency.remember(record, sequence: sequence)
            }
        }
    }

    // MARK: - Requests

    /// Runs a read or write request; `context` carries what a write needs.
    public mutating func execute(_ request: Request, context: WriteContext) -> Outcome {
        switch request {
        case .ping:
            return Outcome(body: ResponseWriter(status: .ok, success: true).body, status: .ok, changes: [])
        case .get(let id):
            return self.get(id)
        case .list(let limit, let cursor):
            return self.list(limit: limit, after: cursor?.after)
        case .count:
            var writer = ResponseWriter(status: .ok, success: true)
            writer.field("count", .int(Int64(self.contacts.count)))
            return Outcome(body: writer.body, status: .ok, changes: [])
        case .upsert(let upsert):
            return self.idempotent(upsert.idempotencyKey, context: context) {
                $0.upsert(upsert.entries, context: context)
            }
        case .delete(let delete):
            return self.idempotent(delete.idempotencyKey, context: context) { $0.delete(delete.ids) }
        case .recordMessages(let record):
            return self.idempotent(record.idempotencyKey, context: context) {
                $0.recordMessages(record.messages, context: context)
            }
        }
    }

    private mutating func idempotent(
        _ key: String?,
        context: WriteContext,
        _ body: (inout ProjectState) -> (ResponseWriter, [Change])
    ) -> Outcome {
        guard let key else {
            let (writer, changes) = body(&self)
            return Outcome(body: writer.body, status: .ok, changes: changes)
        }
        if let entry = self.idempotency.lookup(key, now: context.now) {
            guard entry.record.fingerprint == context.fingerprint else {
                let message =
                    "idempotencyKey \(JSONWriter.string(.string(key))) was already used for a different request"
                return Outcome(body: ResponseWriter.failureBody(.conflict, message: message), status: .conflict, changes: [])
            }
            return Outcome(body: entry.record.response, status: .ok, changes: [], replayOf: entry.sequence)
        }
        let (writer, bodyChanges) = body(&self)
        var changes = bodyChanges
        let record = IdempotencyRecord(key: key, fingerprint: context.fingerprint, response: writer.body, at: context.now)
        changes.append(.remember(record))
        // The journal assigns the sequence number later; the actor fixes it with `noteSequence`.
        self.idempotency.remember(record, sequence: UInt64.max)
        return Outcome(body: record.response, status: .ok, changes: changes)
    }

    /// Records the journal sequence number of the request that remembered `key`.
    public mutating func noteSequence(_ sequence: UInt64, forKey key: String) {
        guard let entry = self.idempotency[key] else { return }
        self.idempotency.remember(entry.record, sequence: sequence)
    }

    private func get(_ id: String) -> Outcome {
        guard let contact = self.contacts[id] else {
            let message = "no contact with id \(JSONWriter.string(.string(id))) in project \(self.name)"
            return Outcome(body: ResponseWriter.failureBody(.notFound, message: message), status: .notFound, changes: [])
        }
        var writer = ResponseWriter(status: .ok, success: true)
        writer.raw("contact") { contact.write(project: self.name, into: &$0) }
        return Outcome(body: writer.body, status: .ok, changes: [])
    }

    private func list(limit: Int, after: String?) -> Outcome {
        let (contacts, hasMore) = self.contacts.page(after: after, limit: limit)
        var writer = ResponseWriter(status: .ok, success: true)
        writer.raw("contacts") { bytes in
            bytes.append(UInt8(ascii: "["))
            for (index, contact) in contacts.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                contact.write(project: self.name, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        if hasMore, let last = contacts.last {
            writer.field("nextCursor", .string(ListCursor(after: last.externalId).encoded))
        } else {
            writer.field("nextCursor", .null)
        }
        return Outcome(body: writer.body, status: .ok, changes: [])
    }

    private mutating func upsert(_ entries: [UpsertEntry], context: WriteContext) -> (ResponseWriter, [Change]) {
        var inserted: [String] = []
        var updated: [String] = []
        var failed: [String] = []
        var errors: [EntryError] = []
        var changes: [Change] = []
        for (index, entry) in entries.enumerated() {
            switch entry {
            case .invalid(let id, let error):
                failed.append(id)
                errors.append(EntryError(index: index, id: id, error: error))
            case .valid(let id, let operators, let createdAt):
                let position = self.contacts.position(of: id)
                let existing = self.contacts[position]
                let profile: JSONObject
                if let existing {
                    guard case .object(let stored)? = try? JSONParser.parse(existing.profile) else {
                        failed.append(id)
                        errors.append(EntryError(index: index, id: id, error: "stored profile is damaged"))
                        continue
                    }
                    profile = stored
                } else {
                    profile = Contact.initialProfile(externalId: id)
                }
                let updateContext = UpdateContext(
                    isInsert: existing == nil,
                    externalId: id,
                    now: context.now,
                    maxProfileBytes: context.limits.maxProfileBytes
                )
                let result: UpdateResult
                do {
                    result = try UpdateEngine.apply(operators, to: profile, context: updateContext)
                } catch {
                    failed.append(id)
                    errors.append(EntryError(index: index, id: id, error: error.message))
                    continue
                }
                if var contact = existing {
                    updated.append(id)
                    if contact.profile != result.serialized {
                        contact.profile = Self.compact(result.serialized)
                        contact.updatedAt = context.now
                        self.contacts.put(contact, at: position)
                        changes.append(.put(contact))
                    }
                } else {
                    let contact = Contact(
                        id: context.ids.next(now: context.now),
                        externalId: id,
                        profile: Self.compact(result.serialized),
                        createdAt: createdAt ?? context.now,
                        updatedAt: context.now
                    )
                    self.contacts.put(contact, at: position)
                    changes.append(.put(contact))
                    inserted.append(id)
                }
            }
        }
        var writer = ResponseWriter(status: .ok, success: failed.isEmpty)
        writer.strings("inserted", inserted)
        writer.strings("updated", updated)
        writer.strings("failed", failed)
        writer.errors(errors)
        return (writer, changes)
    }

    /// `bytes` in an array of exactly its size: a profile is kept for a long time, and the
    /// writer's buffer has up to twice the capacity it needs.
    private static func compact(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.capacity > bytes.count else { return bytes }
        return bytes.withUnsafeBufferPointer { Array($0) }
    }

    private mutating func delete(_ ids: [String]) -> (ResponseWriter, [Change]) {
        var deleted: [String] = []
        var notFound: [String] = []
        var changes: [Change] = []
        for id in ids {
            if self.contacts.remove(id) != nil {
                deleted.append(id)
                changes.append(.delete(externalId: id))
            } else {
                notFound.append(id)
            }
        }
        var writer = ResponseWriter(status: .ok, success: true)
        writer.strings("deleted", deleted)
        writer.strings("notFound", notFound)
        return (writer, changes)
    }

    private mutating func recordMessages(
        _ messages: [MessageEntry],
        context: WriteContext
    ) -> (ResponseWriter, [Change]) {
        var recorded: [String] = []
        var failed: [String] = []
        var errors: [EntryError] = []
        var changes: [Change] = []
        for (index, message) in messages.enumerated() {
            switch message {
            case .invalid(let id, let error):
                failed.append(id)
                errors.append(EntryError(index: index, id: id, error: error))
            case .valid(let id, let at):
                let position = self.contacts.position(of: id)
                guard var contact = self.contacts[position] else {
                    failed.append(id)
                    errors.append(
                        EntryError(index: index, id: id, error: "no contact with id \(JSONWriter.string(.string(id)))")
                    )
                    continue
                }
                contact.stats.record(at: at ?? context.now)
                self.contacts.put(contact, at: position)
                changes.append(.put(contact))
                recorded.append(id)
            }
        }
        var writer = ResponseWriter(status: .ok, success: failed.isEmpty)
        writer.strings("recorded", recorded)
        writer.strings("failed", failed)
        writer.errors(errors)
        return (writer, changes)
    }
}

/// What a write needs besides the request: the instant, the id source, limits and fingerprint.
public struct WriteContext: Sendable {
    /// The request's instant (`$currentDate`, `updatedAt`, default `createdAt` and `at`).
    public var now: Timestamp
    /// Where new internal ids come from.
    public var ids: ContactIDGenerator
    /// The configured limits.
    public var limits: ProtocolLimits
    /// The request's fingerprint, for idempotency keys.
    public var fingerprint: Fingerprint

    /// A context for one request.
    public init(now: Timestamp, ids: ContactIDGenerator, limits: ProtocolLimits, fingerprint: Fingerprint) {
        self.now = now
        self.ids = ids
        self.limits = limits
        self.fingerprint = fingerprint
    }
}
