import ContactClient
import ContactCore
import ContactdTesting
import Foundation
import Testing

/// `stats` and the `admin.*` methods through the client (PROTOCOL.md sections 5 and 12).
@Suite(.timeLimit(.minutes(1)))
struct OperationsTests {
    /// `stats` returns the typed figures of the key's project.
    @Test func stats() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        _ = try await client.bulkUpsert([UpsertEntry(id: "a"), UpsertEntry(id: "b")])
        let stats = try await client.stats()
        #expect(stats.project == "default")
        #expect(stats.contacts == 2)
        #expect(stats.idempotencyKeys == 1)
        #expect((stats.profileBytes ?? 0) > 0)
        await client.close()
    }

    /// The admin methods return the server's figures to an admin key; any other key gets
    /// ``ContactClientError/Code/forbidden``, and an existing backup name ``ContactClientError/Code/conflict``.
    @Test func adminMethods() async throws {
        let backups = try TemporaryDirectory()
        let daemon = try await TestDaemon.start(["--backup-dir", backups.path])
        let admin = daemon.client(apiKey: TestDaemon.adminKey)
        let stats = try await admin.adminStats()
        #expect(stats["connections"] != nil && stats["shards"]?.arrayValue != nil)
        #expect(stats["statusCode"] == nil)
        let snapshot = try await admin.adminSnapshot()
        #expect(snapshot["shards"]?.arrayValue != nil)
        let backup = try await admin.adminBackup(to: "one")
        #expect(backup["path"] == .string(backups.file("one")))
        do {
            _ = try await admin.adminBackup(to: "one")
            Issue.record("a second backup named one succeeded")
        } catch {
            #expect(error.code == .conflict)
        }

        let ordinary = daemon.client()
        do {
            _ = try await ordinary.adminStats()
            Issue.record("admin.stats with an ordinary key succeeded")
        } catch {
            #expect(error.code == .forbidden)
            #expect(error.statusCode == 403)
        }
        await admin.close()
        await ordinary.close()
    }
}
