import ContactCore
import Testing

@testable import ContactPostgres

/// What a write transaction derives from its request before it touches the database.
struct WriteBatchTests {
    /// The rows to lock: valid ids only, each once, in bytewise order (the order every daemon
    /// locks in, so two daemons never deadlock on a batch).
    @Test func batchIdsAreDistinctValidAndBytewiseSorted() {
        let entries =
            ["b", "a", "\u{E9}", "B", "a", "b"].map {
                UpsertEntry.valid(id: $0, operators: .object(JSONObject()), createdAt: nil)
            }
            + [UpsertEntry.invalid(id: "zz", error: "bad")]
        #expect(PostgresStore.batchIds(of: .upsert(UpsertRequest(entries: entries))) == ["B", "a", "b", "\u{E9}"])
        #expect(PostgresStore.batchIds(of: .delete(DeleteRequest(ids: ["y", "x", "y"]))) == ["x", "y"])
        #expect(PostgresStore.batchIds(of: .count).isEmpty)
    }

    /// The lock number of a key is the same in every process and differs between projects.
    @Test func keyLockNumbersAreStable() {
        #expect(
            PostgresStore.lockNumber(project: "alpha", key: "k") == PostgresStore.lockNumber(project: "alpha", key: "k")
        )
        #expect(
            PostgresStore.lockNumber(project: "alpha", key: "k") != PostgresStore.lockNumber(project: "beta", key: "k")
        )
        #expect(PostgresStore.lockNumber(project: "a", key: "bc") != PostgresStore.lockNumber(project: "ab", key: "c"))
        // FNV-1a 64 of "a\0b": fixed, so daemons of different builds agree.
        #expect(PostgresStore.lockNumber(project: "a", key: "b") == Int64(bitPattern: 0xe5d2_9919_0426_66b2))
    }

    /// Stats are kept as the contact object's JSON text and read back exactly.
    @Test func statsRoundTrip() throws {
        var stats = MessageStats()
        for text in ["2016-10-22T04:31:13Z", "2016-10-23T00:00:00Z", "2017-01-01T00:00:00Z", "0999-12-31T00:00:00Z"] {
            stats.record(at: try #require(Timestamp(rfc3339: text)))
        }
        let text = ContactRow.text(of: stats)
        #expect(text == #"{"0999":{"12":1},"2016":{"10":2},"2017":{"1":1}}"#)
        #expect(ContactRow.stats(from: text) == stats)
        #expect(ContactRow.stats(from: "{}") == MessageStats())
        #expect(ContactRow.stats(from: #"{"2016":{"10":"x"}}"#) == nil)
        #expect(ContactRow.stats(from: "[]") == nil)
    }
}
