import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PROTOCOL.md sections 4, 5, 8 and 11 across restarts: what a user sees after the daemon stops
/// and starts again on the same data folder.
struct RestartTests {
    /// Contacts, internal ids, stats and timestamps survive a clean restart byte for byte.
    @Test func contactsSurviveCleanRestart() async throws {
        let first = try await Daemon.start()
        let client = try first.connect()
        #expect(try await client.call(UpsertTests.seedUpsert).contains(#""inserted":["123"]"#))
        try await client.insert((0..<120).map { "bulk\($0)" })
        #expect(
            try await client.request(
                #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[{"id":"123","at":"2016-10-22T04:31:13Z"}]}"#
            ).success == true
        )
        _ = try await client.delete(["bulk7"])
        let before = try await client.get("123")
        let ids = try await client.listAllIds()
        client.close()
        #expect(try await first.stop() == .exited(0))

        let second = try await Daemon.start(directory: first.directory)
        let again = try second.connect()
        #expect(try await again.get("123").raw == before.raw)
        #expect(try await again.listAllIds() == ids)
        #expect(try await again.count() == 120)
        #expect(try await again.get("bulk7").isRefusal(404, "Not Found"))
    }

    /// Acknowledged writes (`--fsync always`) survive a crash (SIGKILL) right after the reply.
    @Test func acknowledgedWritesSurviveKill() async throws {
        let first = try await Daemon.start(["--fsync", "always"])
        let client = try first.connect()
        for index in 0..<20 {
            #expect(
                try await client.upsert(#"{"id":"k","profile":{"$inc":{"n":1},"$push":{"log":\#(index)}}}"#).status
                    == 200
            )
        }
        let before = try await client.get("k")
        #expect(try await first.stop(signal: SIGKILL) == .signaled(SIGKILL))

        let second = try await Daemon.start(directory: first.directory)
        #expect(try await second.connect().get("k").raw == before.raw)
    }

    /// A list cursor stays valid across a restart.
    @Test func cursorSurvivesRestart() async throws {
        let first = try await Daemon.start()
        let client = try first.connect()
        try await client.insert(["a", "b", "c", "d"])
        let page = try await client.request(#"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":2}"#)
        let cursor = try #require(page["nextCursor"]?.asString)
        #expect(try await first.stop() == .exited(0))
        let second = try await Daemon.start(directory: first.directory)
        let next = try await second.connect().request(
            #"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":2,"cursor":\#(q(cursor))}"#
        )
        #expect(next["contacts"]?.asArray?.compactMap { $0.member("externalId")?.asString } == ["c", "d"])
        #expect(next["nextCursor"] == .null)
    }

    /// An idempotency key is remembered across a restart: the retry is replayed, not applied.
    @Test func idempotencyKeysSurviveRestart() async throws {
        let first = try await Daemon.start()
        let line =
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","idempotencyKey":"retry-1","contacts":[{"id":"r","profile":{"$inc":{"n":1}}}]}"#
        #expect(
            try await first.connect().call(line)
                == #"{"statusCode":200,"success":true,"inserted":["r"],"updated":[],"failed":[]}"#
        )
        #expect(try await first.stop() == .exited(0))
        let second = try await Daemon.start(directory: first.directory)
        let client = try second.connect()
        #expect(
            try await client.call(line)
                == #"{"statusCode":200,"success":true,"inserted":["r"],"updated":[],"failed":[],"replayed":true}"#
        )
        #expect(try await client.get("r").profile?.member("n") == .int(1))
    }

    /// A second daemon on the same data folder (another socket) fails with "already running".
    @Test func dataFolderIsLocked() async throws {
        let first = try await Daemon.start()
        let (status, process) = try await SocketFileTests.runToFailure(
            [
                "--socket", first.directory.file("second.sock"), "--data", first.dataPath, "--keys",
                try #require(first.keysPath),
            ],
            in: first.directory
        )
        #expect(status.isExit && status != .exited(0), "\(status)")
        #expect(process.lastStderrLine.contains("already running"), "\(process.stderrText)")
        #expect(!exists(first.directory.file("second.sock")))
        #expect(try await first.connect().pings())
    }
}
