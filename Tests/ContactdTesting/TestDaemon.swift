package import ContactClient
import ContactCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The real `contactd` binary (`<package>/.build/debug/contactd`) serving a fresh temporary
/// folder laid out like `make run`'s: the socket at `run/contactd.sock`, the data folder at
/// `data` with a `keys.json` of known keys. Killed and removed when dropped.
package final class TestDaemon: Sendable {
    /// Key of project "default".
    package static let key = "client-test-key-default"
    /// Key of project "other".
    package static let otherKey = "client-test-key-other"
    /// An admin key naming no project (PROTOCOL.md section 12).
    package static let adminKey = "client-test-key-admin"

    /// The folder holding everything (`contactctl` runs here to find its defaults).
    package var directory: String { self.folder.path }
    private let folder: TemporaryDirectory
    /// The socket path.
    package let socketPath: String
    /// The data folder.
    package let dataPath: String
    /// The extra flags the daemon runs with.
    package let arguments: [String]
    private let process = Mutex<ChildProcess?>(nil)

    private init(directory: TemporaryDirectory, arguments: [String]) {
        self.folder = directory
        self.socketPath = directory.file("run/contactd.sock")
        self.dataPath = directory.file("data")
        self.arguments = arguments
    }

    /// Starts a daemon with `arguments` (besides `--socket` and `--data`; `--fsync no` unless
    /// they say otherwise) and waits until it accepts connections.
    package static func start(_ arguments: [String] = []) async throws -> TestDaemon {
        let flags = arguments.contains("--fsync") ? arguments : arguments + ["--fsync", "no"]
        let daemon = TestDaemon(directory: try TemporaryDirectory(), arguments: flags)
        try FileManager.default.createDirectory(atPath: daemon.dataPath, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: daemon.directory + "/run", withIntermediateDirectories: true)
        let keys = #"{"\#(Self.key)":"default","\#(Self.otherKey)":"other","\#(Self.adminKey)":{"admin":true}}"#
        _ = FileManager.default.createFile(
            atPath: daemon.dataPath + "/keys.json",
            contents: Data(keys.utf8),
            attributes: [.posixPermissions: 0o600]
        )
        try await daemon.launch()
        return daemon
    }

    /// A client of this daemon (project "default" unless `apiKey` says otherwise).
    package func client(
        apiKey: String = TestDaemon.key,
        connections: Int = 2,
        retry: RetryPolicy = .default,
        requestTimeout: Duration? = .seconds(20),
        socketPath: String? = nil
    ) -> ContactdClient {
        ContactdClient(
            configuration: ClientConfiguration(
                socketPath: socketPath ?? self.socketPath,
                apiKey: apiKey,
                connections: connections,
                requestTimeout: requestTimeout,
                retry: retry
            )
        )
    }

    /// Stops the daemon with SIGTERM and returns its exit status.
    @discardableResult
    package func stop() async throws -> ChildExitStatus {
        guard let process = self.process.withLock({ $0 }) else { return .exited(0) }
        process.send(signal: SIGTERM)
        let status = try await process.wait(timeout: .seconds(20))
        self.process.withLock { $0 = nil }
        return status
    }

    /// Starts the daemon again on the same folder (after ``stop()``).
    package func restart() async throws {
        try await self.launch()
    }

    /// The daemon's standard error so far.
    package var log: String {
        (try? String(contentsOfFile: self.directory + "/daemon.log", encoding: .utf8)) ?? ""
    }

    private func launch() async throws {
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            ["--socket", self.socketPath, "--data", self.dataPath] + self.arguments,
            stdoutPath: self.directory + "/daemon.log",
            stderrPath: self.directory + "/daemon.log"
        )
        self.process.withLock { $0 = process }
        let deadline = ContinuousClock.now + .seconds(20)
        while !Self.accepts(self.socketPath) {
            if let status = process.poll() {
                throw HarnessError("contactd exited with \(status) before listening:\n\(self.log)")
            }
            if ContinuousClock.now > deadline { throw HarnessError("contactd did not listen in 20 s:\n\(self.log)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// True when a connection to `path` succeeds.
    package static func accepts(_ path: String) -> Bool {
        guard let descriptor = try? UnixSocket.connect(path) else { return false }
        close(descriptor)
        return true
    }

    deinit {
        self.process.withLock { $0?.killAndReap() }
    }
}
