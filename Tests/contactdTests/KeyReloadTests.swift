import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP re-reads the keys file (PROTOCOL.md section 10).
struct KeyReloadTests {
    /// A good file applies to the next request of a connection opened before the reload: a new
    /// key works, a removed key is unknown, and the log says how many keys and projects.
    @Test func goodFileReplacesTheKeys() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.count(key: Daemon.keyA) == 0)
        #expect(try await client.request(#"{"method":"stats","apiKey":"new-key"}"#).isRefusal(401, "Unauthorized"))
        let keysPath = try #require(daemon.keysPath)
        try Data(#"{"new-key": "gamma", "ops": {"admin": true}}"#.utf8).write(to: URL(fileURLWithPath: keysPath))
        daemon.process.send(signal: SIGHUP)
        #expect(
            try await eventually(timeout: .seconds(10)) {
                try await client.request(#"{"method":"stats","apiKey":"new-key"}"#)["project"]?.asString == "gamma"
            }
        )
        #expect(
            try await client.request(#"{"method":"contacts.count","apiKey":"\#(Daemon.keyA)"}"#)
                .isRefusal(401, "Unauthorized")
        )
        #expect(try await client.request(#"{"method":"admin.stats","apiKey":"ops"}"#).status == 200)
        #expect(daemon.stderr.contains("2 keys (1 admin), 1 projects"))
        #expect(!daemon.stderr.contains("new-key"))
    }

    /// A file that does not load keeps the old keys, and the log says why.
    @Test func badFileKeepsTheOldKeys() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let keysPath = try #require(daemon.keysPath)
        try Data(#"{"k": "bad project name"}"#.utf8).write(to: URL(fileURLWithPath: keysPath))
        daemon.process.send(signal: SIGHUP)
        #expect(try await eventually(timeout: .seconds(10)) { daemon.stderr.contains("keeping the old keys") })
        #expect(daemon.stderr.contains("must be 1 to 64 of"))
        #expect(try await client.count(key: Daemon.keyA) == 0)
        #expect(try await daemon.connect().count(key: Daemon.keyB) == 0)
        #expect(daemon.process.isRunning)
    }
}
