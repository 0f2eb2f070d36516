public import ContactCore

extension ContactdClient {
    // MARK: - Reads

    /// `ping`: succeeds when the daemon answers (no API key needed).
    public func ping() async throws(ContactClientError) {
        _ = try await self.request("ping")
    }

    /// `contacts.get`: the contact with external id `id`; throws
    /// ``ContactClientError/notFound(_:)`` when the project has none.
    public func get(_ id: String) async throws(ContactClientError) -> Contact {
        let response = try await self.request("contacts.get", fields: JSONObject(["id": .string(id)]))
        return try Contact(json: try ResponseReader(object: response).object("contact"))
    }

    /// `contacts.list`: up to `limit` contacts (1 to 1000; nil is the server's default, 100)
    /// after `cursor` (nil starts at the beginning), ordered by external id.
    public func list(limit: Int? = nil, cursor: String? = nil) async throws(ContactClientError) -> ContactPage {
        var fields = JSONObject()
        if let limit { fields["limit"] = .int(Int64(limit)) }
        if let cursor { fields["cursor"] = .string(cursor) }
        let reader = ResponseReader(object: try await self.request("contacts.list", fields: fields))
        guard let array = reader.object["contacts"]?.arrayValue else {
            throw ContactClientError.invalidResponse("expected an array in \"contacts\"")
        }
        var contacts: [Contact] = []
        contacts.reserveCapacity(array.count)
        for element in array {
            guard let object = element.objectValue else {
                throw ContactClientError.invalidResponse("a contact that is not an object")
            }
            contacts.append(try Contact(json: object))
        }
        return ContactPage(contacts: contacts, nextCursor: try reader.optionalString("nextCursor"))
    }

    /// Every contact of the project, fetched page by page (`pageSize` per `contacts.list`).
    public func allContacts(pageSize: Int = 1000) -> ContactSequence {
        ContactSequence(client: self, pageSize: pageSize)
    }

    /// `contacts.count`: how many contacts the project has.
    public func count() async throws(ContactClientError) -> Int {
        Int(try ResponseReader(object: try await self.request("contacts.count")).int("count"))
    }

    // MARK: - Writes

    /// `contacts.upsert` of one contact: applies `update` to contact `id`, inserting it first when
    /// missing (with `createdAt`, when given). A failed entry is reported in the result, not thrown.
    public func upsert(
        id: String,
        _ update: ProfileUpdate = ProfileUpdate(),
        createdAt: Timestamp? = nil,
        idempotencyKey: String? = nil
    ) async throws(ContactClientError) -> UpsertResult {
        try await self.upsert(
            [UpsertEntry(id: id, update: update, createdAt: createdAt)],
            idempotencyKey: idempotencyKey
        )
    }

    /// `contacts.upsert` of `entries` in one request (at most the daemon's `--max-batch`, 50 by
    /// default; see ``bulkUpsert(_:)`` for more). `idempotencyKey` defaults to a fresh random key;
    /// retries reuse it.
    public func upsert(
        _ entries: [UpsertEntry],
        idempotencyKey: String? = nil
    ) async throws(ContactClientError) -> UpsertResult {
        try await self.upsert(json: entries.map(\.json), idempotencyKey: idempotencyKey)
    }

    /// `contacts.upsert` of `entries` already in wire form (`{"id":…,"profile":{…}}` objects,
    /// sent as given).
    public func upsert(
        json entries: [JSON],
        idempotencyKey: String? = nil
    ) async throws(ContactClientError)
        -> UpsertResult
    {
        let key = try Self.idempotencyKey(idempotencyKey)
        let fields = JSONObject(["contacts": .array(entries), "idempotencyKey": .string(key)])
        let reader = ResponseReader(object: try await self.request("contacts.upsert", fields: fields))
        return UpsertResult(
            inserted: try reader.strings("inserted"),
            updated: try reader.strings("updated"),
            failed: try reader.strings("failed"),
            errors: try reader.entryFailures(),
            replayed: reader.replayed
        )
    }

    /// `contacts.delete` of `ids` (at most the daemon's `--max-batch`). `idempotencyKey` defaults
    /// to a fresh random key; retries reuse it.
    public func delete(_ ids: [String], idempotencyKey: String? = nil) async throws(ContactClientError) -> DeleteResult
    {
        let key = try Self.idempotencyKey(idempotencyKey)
        let fields = JSONObject(["ids": .array(ids.map { .string($0) }), "idempotencyKey": .string(key)])
        let reader = ResponseReader(object: try await self.request("contacts.delete", fields: fields))
        return DeleteResult(
            deleted: try reader.strings("deleted"),
            notFound: try reader.strings("notFound"),
            replayed: reader.replayed
        )
    }

    /// `contacts.recordMessages`: counts one message for each element of `messages` (at most the
    /// daemon's `--max-batch`). `idempotencyKey` defaults to a fresh random key; retries reuse it.
    public func recordMessages(
        _ messages: [MessageRecord],
        idempotencyKey: String? = nil
    ) async throws(ContactClientError) -> RecordResult {
        let key = try Self.idempotencyKey(idempotencyKey)
        let fields = JSONObject(["messages": .array(messages.map(\.json)), "idempotencyKey": .string(key)])
        let reader = ResponseReader(object: try await self.request("contacts.recordMessages", fields: fields))
        return RecordResult(
            recorded: try reader.strings("recorded"),
            failed: try reader.strings("failed"),
            errors: try reader.entryFailures(),
            replayed: reader.replayed
        )
    }

    /// Counts one message received by contact `id` at `at` (default now).
    public func recordMessage(id: String, at: Timestamp? = nil) async throws(ContactClientError) -> RecordResult {
        try await self.recordMessages([MessageRecord(id: id, at: at)])
    }
}
