import ContactClient
import ContactCore
import ContactdTesting
import Testing

/// Every method of PROTOCOL.md section 5, and every error status, through the client against
/// the real daemon.
@Suite(.timeLimit(.minutes(1)))
struct ClientMethodTests {
    /// `ping` answers; it needs no key, so even a wrong one passes.
    @Test func ping() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client(apiKey: "wrong")
        try await client.ping()
        await client.close()
    }

    /// An upsert inserts, a second updates; `get` returns the typed contact with every field.
    @Test func upsertAndGet() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        let update = ProfileUpdate().set("firstName", "Justin").push("tags", "customer").inc("totalOrders", 1)
        let created = try #require(Timestamp(rfc3339: "2016-10-22T04:31:13.589Z"))
        let first = try await client.upsert(id: "123", update, createdAt: created)
        #expect(first == UpsertResult(inserted: ["123"]))
        #expect(first.success && !first.replayed)
        let second = try await client.upsert(id: "123", update)
        #expect(second == UpsertResult(updated: ["123"]))

        let contact = try await client.get("123")
        #expect(contact.id.count == 24 && contact.id.allSatisfy(\.isHexDigit))
        #expect(contact.externalId == "123")
        #expect(contact.project == "default")
        #expect(contact.profile["id"] == .string("123"))
        #expect(contact.profile["firstName"] == .string("Justin"))
        #expect(contact.profile["tags"] == .array([.string("customer"), .string("customer")]))
        #expect(contact.profile["totalOrders"] == .int(2))
        #expect(contact.stats == MessageStats())
        #expect(contact.createdAt == created)
        #expect(contact.updatedAt > created)
        // The model writes the object back as the server sent it.
        let raw = try await client.request("contacts.get", fields: JSONObject(["id": .string("123")]))
        #expect(raw["contact"] == contact.json)
        await client.close()
    }

    /// Each entry of a batch lands in exactly one list; failures carry index, id and reason.
    @Test func upsertReportsEntryFailures() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        let result = try await client.upsert([
            UpsertEntry(id: "a", update: ProfileUpdate().set("n", 1)),
            UpsertEntry(id: "b", update: ProfileUpdate().inc("n", JSON.string("x"))),
            UpsertEntry(id: "a", update: ProfileUpdate().inc("n", 1)),
        ])
        #expect(result.inserted == ["a"])
        #expect(result.updated == ["a"])
        #expect(result.failed == ["b"])
        #expect(!result.success)
        #expect(result.errors.count == 1)
        #expect(result.errors.first?.index == 1)
        #expect(result.errors.first?.id == "b")
        #expect(result.errors.first?.message.contains("n") == true)
        #expect(try await client.get("a").profile["n"] == .int(2))
        #expect(await throwsCase(ContactClientError.notFound) { try await client.get("b") })
        await client.close()
    }

    /// `list` pages in id order with a cursor that is nil at the end; `allContacts` walks them
    /// all; `count` agrees.
    @Test func listAllContactsAndCount() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        let ids = (0..<230).map { "id-\(String(1000 + $0))" }
        let result = try await client.bulkUpsert(ids.reversed().map { UpsertEntry(id: $0) })
        #expect(result.inserted.count == 230)
        #expect(try await client.count() == 230)

        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await client.list(limit: 100, cursor: cursor)
            seen += page.contacts.map(\.externalId)
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil
        #expect(pages == 3)
        #expect(seen == ids)
        #expect(try await client.list().contacts.count == 100)

        var walked: [String] = []
        for try await contact in client.allContacts(pageSize: 64) {
            walked.append(contact.externalId)
        }
        #expect(walked == ids)
        let other = daemon.client(apiKey: TestDaemon.otherKey)
        #expect(try await other.count() == 0)
        #expect(try await other.list() == ContactPage(contacts: [], nextCursor: nil))
        await client.close()
        await other.close()
    }

    /// `delete` reports deleted and not-found ids; a deleted contact is gone.
    @Test func delete() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        _ = try await client.upsert([UpsertEntry(id: "x"), UpsertEntry(id: "y")])
        let result = try await client.delete(["x", "nope", "x"])
        #expect(result == DeleteResult(deleted: ["x"], notFound: ["nope", "x"]))
        #expect(try await client.count() == 1)
        #expect(await throwsCase(ContactClientError.notFound) { try await client.get("x") })
        await client.close()
    }

    /// `recordMessages` counts by month; unknown contacts fail with a reason.
    @Test func recordMessages() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        _ = try await client.upsert(id: "m")
        let at = try #require(Timestamp(rfc3339: "2016-10-22T04:31:13Z"))
        let result = try await client.recordMessages([
            MessageRecord(id: "m", at: at), MessageRecord(id: "ghost", at: at), MessageRecord(id: "m", at: at),
        ])
        #expect(result.recorded == ["m", "m"])
        #expect(result.failed == ["ghost"])
        #expect(result.errors.map(\.index) == [1])
        let now = try await client.recordMessage(id: "m")
        #expect(now == RecordResult(recorded: ["m"]))
        let contact = try await client.get("m")
        #expect(contact.messages(year: 2016, month: 10) == 2)
        #expect(contact.stats.buckets.reduce(0) { $0 + $1.count } == 3)
        #expect(JSONWriter.string(contact.json).contains(#""stats":{"2016":{"10":2}"#))
        await client.close()
    }

    /// A write repeated with the same key is replayed, not applied; the same key with another
    /// request is a 409.
    @Test func idempotencyKeyReplayAndConflict() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        let update = ProfileUpdate().inc("visits", 1)
        let first = try await client.upsert(id: "k", update, idempotencyKey: "key-1")
        let again = try await client.upsert(id: "k", update, idempotencyKey: "key-1")
        #expect(!first.replayed)
        #expect(again.replayed)
        #expect(again.inserted == ["k"])
        #expect(try await client.get("k").profile["visits"] == .int(1))
        await #expect(throws: ContactClientError.self) {
            _ = try await client.upsert(id: "k", ProfileUpdate().inc("visits", 2), idempotencyKey: "key-1")
        }
        do {
            _ = try await client.upsert(id: "other", idempotencyKey: "key-1")
            Issue.record("expected a 409")
        } catch {
            #expect(error.statusCode == 409)
            guard error.code == .conflict else {
                Issue.record("expected .conflict, got \(error)")
                return
            }
        }
        let deleted = try await client.delete(["k"], idempotencyKey: "key-2")
        #expect(
            try await client.delete(["k"], idempotencyKey: "key-2")
                == DeleteResult(deleted: deleted.deleted, replayed: true)
        )
        await #expect(throws: ContactClientError.invalidArgument("idempotencyKey must not be empty")) {
            _ = try await client.upsert(id: "k", idempotencyKey: "")
        }
        await client.close()
    }

    /// 401 for an unknown key, on every method that needs one.
    @Test func unauthorized() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client(apiKey: "not-a-key")
        let calls: [@Sendable () async throws -> Void] = [
            { _ = try await client.get("a") },
            { _ = try await client.list() },
            { _ = try await client.count() },
            { _ = try await client.upsert(id: "a") },
            { _ = try await client.delete(["a"]) },
            { _ = try await client.recordMessage(id: "a") },
        ]
        for call in calls {
            do {
                try await call()
                Issue.record("expected a 401")
            } catch let error as ContactClientError {
                #expect(error == .unauthorized("unknown apiKey"))
                #expect(error.statusCode == 401)
                #expect(!error.isRetryable)
            }
        }
        await client.close()
    }

    /// 400 for malformed requests: a bad limit, an invalid id, an undecodable cursor, too many
    /// entries, an unknown method.
    @Test func badRequest() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        let calls: [@Sendable () async throws -> Void] = [
            { _ = try await client.list(limit: 0) },
            { _ = try await client.list(cursor: "%%%") },
            { _ = try await client.get("") },
            { _ = try await client.upsert((0..<51).map { UpsertEntry(id: "e\($0)") }) },
            { _ = try await client.upsert([]) },
            { _ = try await client.delete([""]) },
            { _ = try await client.request("contacts.frobnicate") },
        ]
        for (index, call) in calls.enumerated() {
            do {
                try await call()
                Issue.record("call \(index): expected a 400")
            } catch let error as ContactClientError {
                let message = error.message
                guard error.code == .badRequest else {
                    Issue.record("call \(index): expected .badRequest, got \(error)")
                    continue
                }
                #expect(!message.isEmpty)
                #expect(error.statusCode == 400)
            }
        }
        #expect(try await client.count() == 0)
        await client.close()
    }

    /// 404 for a missing contact, with the server's message.
    @Test func notFound() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        do {
            _ = try await client.get("missing")
            Issue.record("expected a 404")
        } catch {
            let message = error.message
            guard error.code == .notFound else {
                Issue.record("got \(error)")
                return
            }
            #expect(message.contains("missing"))
            #expect(error.description.hasPrefix("404 Not Found: "))
        }
        await client.close()
    }

    /// 413 for a line over `--max-line-bytes`; the connection stays usable and nothing changed.
    @Test func payloadTooLarge() async throws {
        let daemon = try await TestDaemon.start(["--max-line-bytes", "400"])
        let client = daemon.client(connections: 1)
        do {
            _ = try await client.upsert(id: "big", ProfileUpdate().set("blob", String(repeating: "x", count: 500)))
            Issue.record("expected a 413")
        } catch {
            guard error.code == .payloadTooLarge else {
                Issue.record("got \(error)")
                return
            }
            #expect(error.statusCode == 413)
        }
        #expect(try await client.upsert(id: "small") == UpsertResult(inserted: ["small"]))
        #expect(try await client.count() == 1)
        await client.close()
    }

    /// Every status code maps to its code, with the status and message kept.
    @Test func statusMapping() {
        let expected: [(Int, ContactClientError.Code)] = [
            (400, .badRequest), (401, .unauthorized), (404, .notFound), (409, .conflict),
            (413, .payloadTooLarge), (500, .internalServerError), (503, .serviceUnavailable),
            (418, .unexpectedStatus),
        ]
        for (status, code) in expected {
            let error = ContactClientError(statusCode: status, message: "m")
            #expect(error.code == code)
            #expect(error.statusCode == status)
            #expect(error.message == "m")
        }
        #expect(ContactClientError.serviceUnavailable("m").isRetryable)
        #expect(!ContactClientError.internalServerError("m").isRetryable)
        #expect(
            ContactClientError.connectionFailed("x").isRetryable
                && ContactClientError.connectionFailed("x").statusCode == nil
        )
    }

    /// The project is the key's: another project's client sees none of these contacts.
    @Test func projectsAreSeparate() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        let other = daemon.client(apiKey: TestDaemon.otherKey)
        _ = try await client.upsert(id: "shared")
        #expect(await throwsCase(ContactClientError.notFound) { try await other.get("shared") })
        #expect(try await other.upsert(id: "shared") == UpsertResult(inserted: ["shared"]))
        #expect(try await other.get("shared").project == "other")
        await client.close()
        await other.close()
    }
}

/// True when `body` throws the error case `expected` (compared by status code).
func throwsCase(_ expected: (String) -> ContactClientError, _ body: () async throws -> some Any) async -> Bool {
    do {
        _ = try await body()
        return false
    } catch {
        return (error as? ContactClientError)?.code == expected("").code
    }
}
