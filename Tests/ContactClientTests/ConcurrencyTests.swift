import ContactClient
import ContactCore
import ContactdTesting
import Testing

/// Many calls share connections and each gets its own answer; bulk upserts split and merge.
@Suite(.timeLimit(.minutes(1)))
struct ConcurrencyTests {
    /// 200 concurrent calls (upserts, then gets of what each wrote) on ONE connection are all
    /// answered correctly.
    @Test func twoHundredConcurrentCallsOnOneConnection() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client(connections: 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let id = "c\(index)"
                    let result = try await client.upsert(
                        id: id,
                        ProfileUpdate().set("n", index).push("log", "\(index)")
                    )
                    #expect(result == UpsertResult(inserted: [id]))
                    let contact = try await client.get(id)
                    #expect(contact.externalId == id)
                    #expect(contact.profile["n"] == .int(Int64(index)))
                    #expect(contact.profile["log"] == .array([.string("\(index)")]))
                }
            }
            try await group.waitForAll()
        }
        #expect(try await client.count() == 200)

        // Mixed reads and writes, all in flight at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    switch index % 4 {
                    case 0: #expect(try await client.get("c\(index)").profile["n"] == .int(Int64(index)))
                    case 1:
                        #expect(
                            try await client.upsert(id: "c\(index)", ProfileUpdate().inc("n", 1)).updated == [
                                "c\(index)"
                            ]
                        )
                    case 2: #expect(try await client.count() >= 200)
                    default: try await client.ping()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await client.get("c1").profile["n"] == .int(2))
        await client.close()
    }

    /// Calls spread over a pool of four connections all succeed.
    @Test func poolOfConnections() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client(connections: 4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<100 {
                group.addTask {
                    _ = try await client.upsert(id: "p", ProfileUpdate().inc("n", 1))
                    _ = try await client.get("p")
                    _ = index
                }
            }
            try await group.waitForAll()
        }
        #expect(try await client.get("p").profile["n"] == .int(100))
        await client.close()
    }

    /// `bulkUpsert` of 1,234 contacts sends 25 batches and merges them in order, with failure
    /// indexes counted in the caller's array.
    @Test func bulkUpsertOf1234Contacts() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        var entries = (0..<1234).map { UpsertEntry(id: "b\($0)", update: ProfileUpdate().set("i", $0)) }
        entries[7] = UpsertEntry(id: "b7", update: ProfileUpdate().inc("i", JSON.string("x")))
        entries[1000] = UpsertEntry(id: "b1000", update: ProfileUpdate().set("id", "other"))
        let result = try await client.bulkUpsert(entries)
        #expect(result.inserted == entries.map(\.id).filter { $0 != "b7" && $0 != "b1000" })
        #expect(result.updated.isEmpty)
        #expect(result.failed == ["b7", "b1000"])
        #expect(result.errors.map(\.index) == [7, 1000])
        #expect(result.errors.map(\.id) == ["b7", "b1000"])
        #expect(!result.replayed)
        #expect(try await client.count() == 1232)
        #expect(try await client.get("b1233").profile["i"] == .int(1233))

        let again = try await client.bulkUpsert(
            entries.map { UpsertEntry(id: $0.id, update: ProfileUpdate().inc("seen", 1)) }
        )
        #expect(again.updated.count == 1232)
        #expect(again.inserted == ["b7", "b1000"])
        #expect(try await client.bulkUpsert([]) == UpsertResult())
        await client.close()
    }

    /// A batch the server refuses as a whole does not stop the others: its entries are failed
    /// with the reason.
    @Test func bulkUpsertReportsRefusedBatches() async throws {
        let daemon = try await TestDaemon.start(["--max-line-bytes", "4000"])
        let client = daemon.client()
        var entries = (0..<120).map { UpsertEntry(id: "r\($0)") }
        entries[60] = UpsertEntry(id: "r60", update: ProfileUpdate().set("blob", String(repeating: "z", count: 5000)))
        let result = try await client.bulkUpsert(entries)
        #expect(result.inserted.count == 70)
        #expect(result.failed == (50..<100).map { "r\($0)" })
        #expect(result.errors.map(\.index) == Array(50..<100))
        #expect(result.errors.allSatisfy { $0.message.hasPrefix("413 Payload Too Large") })
        await client.close()
    }

    /// A bad key makes `bulkUpsert` throw rather than fail entry by entry.
    @Test func bulkUpsertThrowsForABadKey() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client(apiKey: "nope")
        await #expect(throws: ContactClientError.unauthorized("unknown apiKey")) {
            _ = try await client.bulkUpsert((0..<120).map { UpsertEntry(id: "u\($0)") })
        }
        await client.close()
    }
}
