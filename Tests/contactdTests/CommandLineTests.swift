import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PROTOCOL.md section 10: flags, the keys file and start failures.
struct CommandLineTests {
    /// A start that should fail: flags (with `SOCKET`, `DATA`, `KEYS` standing for fresh paths)
    /// and a word the reason on the last stderr line must contain.
    struct BadStart: CustomTestStringConvertible, Sendable {
        let flags: [String]
        let keysText: String
        let reasonMentions: String
        var testDescription: String {
            self.flags.joined(separator: " ") + (self.keysText == #"{"k":"p"}"# ? "" : " keys: \(self.keysText)")
        }

        init(_ flags: [String], keys: String = #"{"k":"p"}"#, mentions: String) {
            self.flags = flags
            self.keysText = keys
            self.reasonMentions = mentions
        }
    }

    static let base = ["--socket", "SOCKET", "--data", "DATA", "--keys", "KEYS"]

    /// Starts refused while the flags are parsed (unknown flag, value not a number, missing flag).
    static let unparsableStarts: [BadStart] = [
        BadStart(base + ["--bogus"], mentions: "bogus"),
        BadStart(base + ["--max-batch", "abc"], mentions: "max-batch"),
        BadStart(base + ["--max-line-bytes", "-5"], mentions: "max-line-bytes"),
        BadStart(["--socket", "SOCKET", "--keys", "KEYS"], mentions: "data"),
        BadStart(base + ["--fsync"], mentions: "fsync"),
    ]

    /// Starts refused after parsing: bad values, bad keys files, unusable socket paths.
    static let badStarts: [BadStart] = [
        BadStart(base + ["--fsync", "sometimes"], mentions: "fsync"),
        BadStart(base + ["--max-batch", "0"], mentions: "max-batch"),
        BadStart(base + ["--max-profile-bytes", "0"], mentions: "max-profile-bytes"),
        BadStart(base + ["--socket-mode", "999"], mentions: "socket-mode"),
        BadStart(base + ["--socket-mode", "rw-rw----"], mentions: "socket-mode"),
        BadStart(base + ["--shards", "0"], mentions: "shards"),
        BadStart(base + ["--snapshot-interval", "0"], mentions: "snapshot-interval"),
        BadStart(base + ["--max-connections", "0"], mentions: "max-connections"),
        BadStart(base + ["--log-level", "loud"], mentions: "log-level"),
        BadStart(["--data", "DATA", "--keys", "KEYS"], mentions: "socket"),
        BadStart(
            ["--socket", "SOCKET", "--data", "DATA", "--keys", "/nonexistent/keys.json"],
            mentions: "/nonexistent/keys.json"
        ),
        BadStart(base, keys: "{not json", mentions: "keys.json"),
        BadStart(base, keys: "[]", mentions: "keys.json"),
        BadStart(base, keys: #"{"":"p"}"#, mentions: "keys.json"),
        BadStart(base, keys: #"{"k":"bad name"}"#, mentions: "keys.json"),
        BadStart(base, keys: #"{"k":"\#(String(repeating: "p", count: 65))"}"#, mentions: "keys.json"),
        BadStart(base, keys: #"{"sha256:abc":"p"}"#, mentions: "keys.json"),
        BadStart(base, keys: #"{"k":5}"#, mentions: "keys.json"),
        BadStart(base, keys: #"{"k":{}}"#, mentions: "needs a project"),
        BadStart(base, keys: #"{"k":{"admin":false}}"#, mentions: "needs a project"),
        BadStart(base, keys: #"{"k":{"admin":"yes"}}"#, mentions: "admin of a key must be a boolean"),
        BadStart(base, keys: #"{"k":{"project":"p","role":"x"}}"#, mentions: "unknown member \"role\""),
        BadStart(base, keys: #"{"k":{"project":"bad name","admin":true}}"#, mentions: "bad name"),
        BadStart(base + ["--metrics-listen", "9464"], mentions: "--metrics-listen"),
        BadStart(base + ["--metrics-listen", "127.0.0.1:0"], mentions: "--metrics-listen"),
        BadStart(base + ["--metrics-listen", "127.0.0.1:65536"], mentions: "--metrics-listen"),
        BadStart(base + ["--metrics-listen", ":9464"], mentions: "--metrics-listen"),
        BadStart(base + ["--metrics", "KEYS"], mentions: "is not a socket"),
        BadStart(
            ["--socket", "/tmp/" + String(repeating: "s", count: 120), "--data", "DATA", "--keys", "KEYS"],
            mentions: "socket"
        ),
    ]

    /// Each bad start exits non-zero with the reason on the last stderr line and leaves no socket.
    @Test(arguments: badStarts)
    func badStartFails(start: BadStart) async throws {
        try await Self.expectStartFailure(start)
    }

    /// A flag the parser refuses makes the daemon exit non-zero, naming the flag on stderr.
    @Test(arguments: unparsableStarts)
    func unparsableFlagsExitNonZero(start: BadStart) async throws {
        let directory = try TemporaryDirectory()
        let substitutions = [
            "SOCKET": directory.file("contactd.sock"), "DATA": directory.file("data"), "KEYS": "/dev/null",
        ]
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            start.flags.map { substitutions[$0] ?? $0 },
            stdoutPath: directory.file("stdout.log"),
            stderrPath: directory.file("stderr.log")
        )
        let status = try await process.wait(timeout: .seconds(15))
        #expect(status.isExit && status != .exited(0), "\(status)")
        #expect(process.stderrText.contains(start.reasonMentions), "\(process.stderrText)")
        #expect(!exists(directory.file("contactd.sock")))
    }

    /// A flag the parser refuses exits non-zero with the reason, not a usage hint, as the last line.
    @Test(arguments: unparsableStarts)
    func unparsableFlagsFail(start: BadStart) async throws {
        try await Self.expectStartFailure(start)
    }

    static func expectStartFailure(_ start: BadStart) async throws {
        let directory = try TemporaryDirectory()
        let keys = directory.file("keys.json")
        try Data(start.keysText.utf8).write(to: URL(fileURLWithPath: keys))
        let substitutions = ["SOCKET": directory.file("contactd.sock"), "DATA": directory.file("data"), "KEYS": keys]
        let flags = start.flags.map { substitutions[$0] ?? $0 }
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            flags,
            stdoutPath: directory.file("stdout.log"),
            stderrPath: directory.file("stderr.log")
        )
        let status = try await process.wait(timeout: .seconds(15))
        #expect(status.isExit && status != .exited(0), "\(status)")
        let last = process.lastStderrLine
        #expect(last.contains(start.reasonMentions), "last stderr line: \(last)\nall:\n\(process.stderrText)")
        #expect(!exists(directory.file("contactd.sock")))
    }

    /// A key given plain and as its `sha256:` digest fails the start, naming the project(s) but
    /// no part of either key.
    @Test(arguments: [("alpha", "alpha"), ("alpha", "beta")])
    func duplicateKeyFailsTheStart(projects: (String, String)) async throws {
        let key = "Zq5-duplicated-secret"
        let digest = SHA256.hex(SHA256.hash(key.utf8))
        let keys = #"{"\#(key)":"\#(projects.0)","sha256:\#(digest)":"\#(projects.1)"}"#
        try await Self.expectStartFailure(BadStart(Self.base, keys: keys, mentions: projects.1))
        let directory = try TemporaryDirectory()
        let keysPath = directory.file("keys.json")
        try Data(keys.utf8).write(to: URL(fileURLWithPath: keysPath))
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            ["--socket", directory.file("s.sock"), "--data", directory.file("data"), "--keys", keysPath],
            stdoutPath: directory.file("stdout.log"),
            stderrPath: directory.file("stderr.log")
        )
        #expect(try await process.wait(timeout: .seconds(15)) != .exited(0))
        let text = process.stderrText
        #expect(text.contains(projects.0) && text.contains(projects.1), "\(text)")
        #expect(!text.contains("Zq5") && !text.contains(String(digest.prefix(8))), "\(text)")
    }

    /// An unknown key is logged (at debug level) with no part of it.
    @Test func unknownKeyIsLoggedWithoutAnyPart() async throws {
        let daemon = try await Daemon.start(["--log-level", "debug"])
        let client = try daemon.connect()
        let reply = try await client.request(#"{"method":"contacts.count","apiKey":"Zq6-unknown-secret"}"#)
        #expect(reply.isRefusal(401, "Unauthorized"))
        #expect(try await eventually { daemon.stderr.contains("unknown apiKey") }, "\(daemon.stderr)")
        #expect(!daemon.stderr.contains("Zq6"), "\(daemon.stderr)")
    }

    /// Without `--keys`, DATA/keys.json (0600) gets a working key for "default"; restarts reuse it.
    @Test func defaultKeysFileIsCreated() async throws {
        let daemon = try await Daemon.start(keys: nil)
        let path = daemon.dataPath + "/keys.json"
        #expect(permissionBits(of: path) == 0o600)
        #expect(daemon.stderr.contains(path), "\(daemon.stderr)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let object = try #require(try json(text).asObject)
        #expect(object.count == 1)
        let key = try #require(object.members.first?.key)
        #expect(object.members.first?.value == .string("default"))
        #expect(!key.isEmpty)
        let client = try daemon.connect()
        #expect(try await client.upsert(#"{"id":"dk"}"#, key: key).strings("inserted") == ["dk"])
        #expect(try await client.get("dk", key: key).contact?["project"] == .string("default"))
        #expect(
            try await client.request(#"{"method":"contacts.count","apiKey":"not-the-key"}"#).isRefusal(
                401,
                "Unauthorized"
            )
        )
        client.close()
        #expect(try await daemon.stop() == .exited(0))

        let again = try await Daemon.start(keys: nil, directory: daemon.directory)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        #expect(try await again.connect().count(key: key) != nil)
    }

    /// The data folder is created when missing, nested folders included.
    @Test func dataFolderIsCreated() async throws {
        let directory = try TemporaryDirectory()
        let keys = directory.file("keys.json")
        try Data(#"{"k":"p"}"#.utf8).write(to: URL(fileURLWithPath: keys))
        let socketPath = directory.file("s.sock")
        let data = directory.file("a/b/data")
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            ["--socket", socketPath, "--data", data, "--keys", keys],
            stdoutPath: directory.file("stdout.log"),
            stderrPath: directory.file("stderr.log")
        )
        let ready = try await eventually(timeout: .seconds(10)) {
            if !process.isRunning { return true }
            guard let probe = try? Client(path: socketPath) else { return false }
            return (try? await probe.pings()) == true
        }
        #expect(ready && process.isRunning, "\(process.stderrText)")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(!exists(data + "/keys.json"), "with --keys no default keys file is created")
        process.send(signal: SIGTERM)
        #expect(try await process.wait(timeout: .seconds(15)) == .exited(0))
    }

    /// `--help` describes the flags and exits 0.
    @Test func helpListsFlags() async throws {
        let directory = try TemporaryDirectory()
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            ["--help"],
            stdoutPath: directory.file("stdout.log"),
            stderrPath: directory.file("stderr.log")
        )
        #expect(try await process.wait(timeout: .seconds(10)) == .exited(0))
        let help = process.stdoutText + process.stderrText
        for flag in ["--socket", "--data", "--keys", "--fsync", "--max-batch", "--max-line-bytes", "--socket-mode"] {
            #expect(help.contains(flag), "\(flag)")
        }
    }
}
