import ContactCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The real `contactd` binary running on a temporary folder with a generated keys file.
///
/// Killed (SIGKILL) when dropped; call ``stop(signal:timeout:)`` to test a clean shutdown.
package final class Daemon: @unchecked Sendable {
    /// Key of project ``projectA``.
    package static let keyA = "test-key-alpha"
    /// A second key of project ``projectA``.
    package static let keyA2 = "test-key-alpha-2"
    /// Key of project ``projectB``.
    package static let keyB = "test-key-beta"
    /// Project of ``keyA`` and ``keyA2``.
    package static let projectA = "alpha"
    /// Project of ``keyB``.
    package static let projectB = "beta"
    /// The keys file every daemon gets unless a test says otherwise.
    package static let defaultKeys: [String: String] = [keyA: projectA, keyA2: projectA, keyB: projectB]

    /// The folder holding the socket, the data folder, the keys file and the logs.
    package let directory: TemporaryDirectory
    /// The socket path.
    package let socketPath: String
    /// The data folder.
    package let dataPath: String
    /// The keys file (nil when started without `--keys`).
    package let keysPath: String?
    /// The running process.
    package let process: ChildProcess

    private init(
        directory: TemporaryDirectory,
        socketPath: String,
        dataPath: String,
        keysPath: String?,
        process: ChildProcess
    ) {
        self.directory = directory
        self.socketPath = socketPath
        self.dataPath = dataPath
        self.keysPath = keysPath
        self.process = process
    }

    /// Starts the daemon and waits until it accepts connections on its socket.
    ///
    /// - Parameters:
    ///   - arguments: extra flags (`--max-batch 3`, …).
    ///   - keys: the keys file's content; nil starts without `--keys`.
    ///   - keysText: the keys file's text as it is (admin keys), in place of `keys`.
    ///   - directory: reuse a folder (restarts); a fresh one by default.
    package static func start(
        _ arguments: [String] = [],
        keys: [String: String]? = Daemon.defaultKeys,
        keysText: String? = nil,
        directory: TemporaryDirectory? = nil,
        socketName: String = "contactd.sock"
    ) async throws -> Daemon {
        let directory = try directory ?? TemporaryDirectory()
        let socketPath = directory.file(socketName)
        let dataPath = directory.file("data")
        var keysPath: String?
        if let keysText {
            let path = directory.file("keys.json")
            try Data(keysText.utf8).write(to: URL(fileURLWithPath: path))
            keysPath = path
        } else if let keys {
            let path = directory.file("keys.json")
            let object = JSONObject(
                uniqueMembers: keys.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value)) }
            )
            try Data(JSONWriter.serialize(.object(object))).write(to: URL(fileURLWithPath: path))
            keysPath = path
        }
        var flags = ["--socket", socketPath, "--data", dataPath]
        if let keysPath { flags += ["--keys", keysPath] }
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            flags + arguments,
            stdoutPath: directory.file("stdout-\(UUID().uuidString.prefix(8)).log"),
            stderrPath: directory.file("stderr-\(UUID().uuidString.prefix(8)).log")
        )
        let daemon = Daemon(
            directory: directory,
            socketPath: socketPath,
            dataPath: dataPath,
            keysPath: keysPath,
            process: process
        )
        try await daemon.waitUntilListening()
        return daemon
    }

    /// Waits until a `ping` over the socket is answered (failing when the process ends first):
    /// a socket that accepts connections is not enough, the daemon must be serving.
    private func waitUntilListening(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = self.process.poll() {
                throw HarnessError("contactd ended (\(status)) before listening; stderr:\n\(self.process.stderrTail())")
            }
            if isSocket(self.socketPath), let probe = try? Client(path: self.socketPath) {
                defer { probe.close() }
                if (try? await probe.pings()) == true { return }
            }
            if ContinuousClock.now >= deadline {
                throw HarnessError("contactd not listening after \(timeout); stderr:\n\(self.process.stderrTail())")
            }
            try await Task.sleep(for: .milliseconds(3))
        }
    }

    /// A new connection.
    package func connect() throws -> Client {
        let process = self.process
        return try Client(path: self.socketPath) {
            let state = process.poll().map { "contactd ended: \($0)" } ?? "contactd still running"
            return "\n[\(state); stderr tail:\n\(process.stderrTail(lines: 15))]"
        }
    }

    /// Sends `signal` and waits for the process to end.
    @discardableResult
    package func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> ChildExitStatus {
        self.process.send(signal: signal)
        return try await self.process.wait(timeout: timeout)
    }

    /// The daemon's standard error so far.
    package var stderr: String { self.process.stderrText }
}

// MARK: - Request shortcuts

extension Client {
    /// `contacts.get` of `id` with `key`.
    package func get(_ id: String, key: String = Daemon.keyA) async throws -> Response {
        try await self.request(#"{"method":"contacts.get","apiKey":\#(q(key)),"id":\#(q(id))}"#)
    }

    /// `contacts.upsert` of the entries in `contacts` (JSON text of the array's elements).
    package func upsert(_ contacts: String, key: String = Daemon.keyA) async throws -> Response {
        try await self.request(#"{"method":"contacts.upsert","apiKey":\#(q(key)),"contacts":[\#(contacts)]}"#)
    }

    /// `contacts.count` with `key`.
    package func count(key: String = Daemon.keyA) async throws -> Int64? {
        try await self.request(#"{"method":"contacts.count","apiKey":\#(q(key))}"#)["count"]?.asInt
    }

    /// `contacts.delete` of `ids`.
    package func delete(_ ids: [String], key: String = Daemon.keyA) async throws -> Response {
        let list = ids.map(q).joined(separator: ",")
        return try await self.request(#"{"method":"contacts.delete","apiKey":\#(q(key)),"ids":[\#(list)]}"#)
    }

    /// Inserts contacts with the given ids (no profile changes), 50 per request.
    package func insert(_ ids: [String], key: String = Daemon.keyA) async throws {
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(start + 50, ids.count)]
            let reply = try await self.upsert(chunk.map { #"{"id":\#(q($0))}"# }.joined(separator: ","), key: key)
            guard reply.status == 200, reply.success == true else { throw HarnessError("insert failed: \(reply)") }
            start += 50
        }
    }

    /// Every external id of the project, walking `contacts.list` pages.
    package func listAllIds(key: String = Daemon.keyA, limit: Int = 1000) async throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        repeat {
            let cursorField = cursor.map { #","cursor":\#(q($0))"# } ?? ""
            let page = try await self.request(
                #"{"method":"contacts.list","apiKey":\#(q(key)),"limit":\#(limit)\#(cursorField)}"#
            )
            guard page.status == 200, let contacts = page["contacts"]?.asArray else {
                throw HarnessError("list failed: \(page)")
            }
            ids += contacts.compactMap { $0.member("externalId")?.asString }
            cursor = page["nextCursor"]?.asString
        } while cursor != nil
        return ids
    }

    /// True when a `ping` is answered with 200.
    package func pings() async throws -> Bool {
        try await self.call(#"{"method":"ping"}"#) == #"{"statusCode":200,"success":true}"#
    }
}
