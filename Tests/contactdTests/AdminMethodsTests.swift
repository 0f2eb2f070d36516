import ContactCore
import ContactdTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Admin keys and the `admin.*` methods (PROTOCOL.md sections 10 and 12).
struct AdminMethodsTests {
    static let adminKey = "admin-only-key"
    static let adminBetaKey = "admin-and-beta-key"
    static let keysText = """
        {"\(Daemon.keyA)": "alpha", "\(adminKey)": {"admin": true}, "\(adminBetaKey)": {"project": "beta", "admin": true}}
        """

    static func start(_ arguments: [String] = [], directory: TemporaryDirectory? = nil) async throws -> Daemon {
        try await Daemon.start(["--shards", "2"] + arguments, keysText: Self.keysText, directory: directory)
    }

    /// A key that is not an admin key gets 403 for every admin method; an admin key without a
    /// project gets 403 for the ordinary methods; one with a project may call both.
    @Test func adminKeysAndForbidden() async throws {
        let daemon = try await Self.start()
        let client = try daemon.connect()
        for method in ["admin.stats", "admin.snapshot", "admin.backup"] {
            let reply = try await client.request(#"{"method":"\#(method)","apiKey":"\#(Daemon.keyA)","to":"x"}"#)
            #expect(reply.isRefusal(403, "Forbidden"), "\(method): \(reply)")
        }
        #expect(
            try await client.request(#"{"method":"contacts.count","apiKey":"\#(Self.adminKey)"}"#)
                .isRefusal(403, "Forbidden")
        )
        #expect(try await client.count(key: Self.adminBetaKey) == 0)
        #expect(try await client.request(#"{"method":"admin.stats","apiKey":"\#(Self.adminBetaKey)"}"#).status == 200)
    }

    /// `admin.stats` reports the daemon: connections, projects, contacts, requests by method
    /// and status, fsync latency and each shard.
    @Test func adminStatsReportsTheDaemon() async throws {
        let daemon = try await Self.start()
        let client = try daemon.connect()
        try await client.insert(["a", "b", "c"])
        _ = try await client.get("missing")
        let stats = try await client.request(#"{"method":"admin.stats","apiKey":"\#(Self.adminKey)"}"#)
        #expect(stats.status == 200)
        #expect((stats["uptimeSeconds"]?.asDouble ?? -1) >= 0)
        #expect(stats["connections"]?.asInt == 1)
        #expect(stats["projects"]?.asInt == 1)
        #expect(stats["contacts"]?.asInt == 3)
        let requests = try #require(stats["requests"]?.asObject)
        #expect(requests["contacts.upsert"]?.member("200")?.asInt == 1)
        #expect(requests["contacts.get"]?.member("404")?.asInt == 1)
        let fsync = try #require(stats["fsync"]?.asObject)
        #expect((fsync["count"]?.asInt ?? 0) >= 1)
        #expect((fsync["p99Seconds"]?.asDouble ?? -1) >= (fsync["p50Seconds"]?.asDouble ?? 0))
        #expect(stats["degraded"]?.asBool == false)
        let shards = try #require(stats["shards"]?.asArray)
        #expect(shards.count == 2)
        #expect(shards.allSatisfy { ($0.member("journalBytes")?.asInt ?? 0) > 0 })
        #expect(shards.allSatisfy { $0.member("degraded")?.asBool == false })
    }

    /// `admin.snapshot` writes every shard that has changes and answers with their sizes; the
    /// snapshot files exist when it answers.
    @Test func adminSnapshotWritesEveryShard() async throws {
        let daemon = try await Self.start()
        let client = try daemon.connect()
        try await client.insert(["a", "b"])
        let reply = try await client.request(#"{"method":"admin.snapshot","apiKey":"\#(Self.adminKey)"}"#)
        #expect(reply.status == 200)
        let shards = try #require(reply["shards"]?.asArray)
        #expect(shards.count == 2)
        let written = shards.filter { $0.member("written")?.asBool == true }
        #expect(written.count == 1)
        #expect((written.first?.member("bytes")?.asInt ?? 0) > 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: daemon.dataPath)
        #expect(files.filter { $0.hasPrefix("snapshot.2.") }.count == 1)
        let again = try await client.request(#"{"method":"admin.snapshot","apiKey":"\#(Self.adminKey)"}"#)
        #expect(again["shards"]?.asArray?.allSatisfy { $0.member("written")?.asBool == false } == true)
    }

    /// Without `--backup-dir` a backup is a 400; bad names are 400; an existing name is a 409;
    /// none of them writes anything.
    @Test func backupRefusals() async throws {
        let plain = try await Self.start()
        let refused = try await plain.connect().request(
            #"{"method":"admin.backup","apiKey":"\#(Self.adminKey)","to":"b1"}"#
        )
        #expect(refused.isRefusal(400, "Bad Request"))
        #expect(refused.message?.contains("--backup-dir") == true)

        let backups = try TemporaryDirectory()
        let daemon = try await Self.start(["--backup-dir", backups.path])
        let client = try daemon.connect()
        let longest = String(repeating: "n", count: 64)
        for name in [".", "..", "", "a/b", longest + "n", "sp ace", "é"] {
            let reply = try await client.request(
                #"{"method":"admin.backup","apiKey":"\#(Self.adminKey)","to":\#(q(name))}"#
            )
            #expect(reply.isRefusal(400, "Bad Request"), "\(name): \(reply)")
        }
        #expect(
            try await client.request(#"{"method":"admin.backup","apiKey":"\#(Self.adminKey)"}"#)
                .isRefusal(400, "Bad Request")
        )
        #expect(try FileManager.default.contentsOfDirectory(atPath: backups.path).isEmpty)
        let first = try await client.request(
            #"{"method":"admin.backup","apiKey":"\#(Self.adminKey)","to":"\#(longest)"}"#
        )
        #expect(first.status == 200)
        #expect(first["path"]?.asString == backups.file(longest))
        let second = try await client.request(
            #"{"method":"admin.backup","apiKey":"\#(Self.adminKey)","to":"\#(longest)"}"#
        )
        #expect(second.isRefusal(409, "Conflict"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: backups.path) == [longest])
    }

    /// Two backups to one name at the same time: one is written, the other is a 409.
    @Test func concurrentBackupsToOneName() async throws {
        let backups = try TemporaryDirectory()
        let daemon = try await Self.start(["--backup-dir", backups.path])
        try await daemon.connect().insert((0..<200).map { "c\($0)" })
        let request = #"{"method":"admin.backup","apiKey":"\#(Self.adminKey)","to":"same"}"# + "\n"
        let (first, second) = (try daemon.connect(), try daemon.connect())
        try await first.send(request)
        try await second.send(request)
        let statuses = [try await first.readResponse().status, try await second.readResponse().status]
        #expect(statuses.sorted { ($0 ?? 0) < ($1 ?? 0) } == [200, 409])
        #expect(try FileManager.default.contentsOfDirectory(atPath: backups.path) == ["same"])
    }

    /// A backup taken while 4 writers run holds every write acknowledged before it was asked
    /// for, and a daemon started on it serves exactly what it holds: nothing that was never
    /// acknowledged.
    @Test func backupWhileWritersRun() async throws {
        let restored = try TemporaryDirectory()
        let daemon = try await Self.start(["--backup-dir", restored.path, "--fsync", "always"])
        let acknowledged = AcknowledgedIDs()
        let writers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    let client = try daemon.connect()
                    group.addTask {
                        var index = 0
                        // Stopped between requests, not cancelled: a cancelled writer could miss the
                        // reply to a write the daemon made durable (and the backup may hold).
                        while !acknowledged.stopped && index < 5000 {
                            let id = "w\(writer)-\(index)"
                            let reply = try await client.upsert(#"{"id":"\#(id)"}"#)
                            if reply.status == 200 { acknowledged.add(id) }
                            index += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        _ = try await eventually(timeout: .seconds(20)) { acknowledged.count >= 200 }
        let admin = try daemon.connect()
        let before = acknowledged.all
        let reply = try await admin.request(#"{"method":"admin.backup","apiKey":"\#(Self.adminKey)","to":"data"}"#)
        acknowledged.stop()
        try await writers.value
        let all = acknowledged.all
        #expect(reply.status == 200, "\(reply)")
        #expect((reply["files"]?.asInt ?? 0) >= 3)

        let copy = try await Daemon.start(keysText: Self.keysText, directory: restored)
        let ids = Set(try await copy.connect().listAllIds())
        #expect(before.isSubset(of: ids), "missing: \(before.subtracting(ids).sorted().prefix(5))")
        #expect(ids.isSubset(of: all), "never acknowledged: \(ids.subtracting(all).sorted().prefix(5))")
    }
}

/// The ids the writers of ``AdminMethodsTests/backupWhileWritersRun()`` were acknowledged, and
/// whether they should stop.
final class AcknowledgedIDs: Sendable {
    private let ids = Mutex<Set<String>>([])
    private let stopRequested = Mutex(false)

    /// Asks the writers to stop after their current request.
    func stop() { self.stopRequested.withLock { $0 = true } }
    var stopped: Bool { self.stopRequested.withLock { $0 } }

    func add(_ id: String) { self.ids.withLock { _ = $0.insert(id) } }
    var count: Int { self.ids.withLock { $0.count } }
    var all: Set<String> { self.ids.withLock { $0 } }
}
