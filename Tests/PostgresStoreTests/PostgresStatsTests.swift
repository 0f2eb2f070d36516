import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md sections 5 and 13: `stats` through `--store` answers the same members as the
/// embedded store, counted from the database, so every daemon on it sees the same figures.
struct PostgresStatsTests {
    /// Contacts and remembered keys written through one daemon are counted by the other, per project.
    @Test func statsCountsTheProjectAcrossDaemons() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let first = try await Daemon.start(store: url)
        let second = try await Daemon.start(store: url)
        let writer = try first.connect()
        try await writer.insert(["a", "b", "c"])
        let keyed =
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","idempotencyKey":"k1","contacts":[{"id":"d"}]}"#
        #expect(try await writer.request(keyed).status == 200)
        try await writer.insert(["x"], key: Daemon.keyB)

        let reader = try second.connect()
        let stats = try await reader.request(#"{"method":"stats","apiKey":"\#(Daemon.keyA)"}"#)
        #expect(stats.status == 200, "\(stats)")
        #expect(stats["project"] == .string(Daemon.projectA))
        #expect(stats["contacts"]?.asInt == 4)
        #expect(stats["idempotencyKeys"]?.asInt == 1)
        #expect((stats["profileBytes"]?.asInt ?? 0) > 0)
        #expect((stats["idempotencyBytes"]?.asInt ?? 0) > 0)
        let other = try await reader.request(#"{"method":"stats","apiKey":"\#(Daemon.keyB)"}"#)
        #expect(other["project"] == .string(Daemon.projectB) && other["contacts"]?.asInt == 1, "\(other)")
        #expect(other["idempotencyKeys"]?.asInt == 0)
    }

    /// An admin key gets a 400 naming the reason for `admin.*` (PROTOCOL.md appendix: the
    /// PostgreSQL store keeps no snapshots of its own), and `stats` still answers.
    @Test func adminMethodsAreNotAvailableWithPostgres() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let directory = try TemporaryDirectory()
        let keys = directory.file("admin-keys.json")
        try Data(#"{"adm":{"admin":true,"project":"alpha"}}"#.utf8).write(to: URL(fileURLWithPath: keys))
        let daemon = try await Daemon.start(
            ["--store", url, "--store-wait", "1", "--keys", keys],
            keys: nil,
            directory: directory
        )
        let client = try daemon.connect()
        for method in ["admin.stats", "admin.snapshot"] {
            let reply = try await client.request(#"{"method":"\#(method)","apiKey":"adm"}"#)
            #expect(reply.status == 400, "\(method): \(reply)")
            #expect(reply.message?.contains("not available with this store") == true, "\(method): \(reply)")
        }
        let stats = try await client.request(#"{"method":"stats","apiKey":"adm"}"#)
        #expect(stats.status == 200 && stats["project"] == .string("alpha"), "\(stats)")
    }
}
