import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for the tests of `--store`: `initdb` into a temporary folder,
/// listening on a Unix socket in that folder only (no TCP), trust authentication, `fsync` off
/// (the tests check semantics, not crash durability of PostgreSQL itself).
///
/// Run as an unprivileged user when the tests run as root (initdb refuses root). A watcher
/// process stops the cluster and removes the folder once the test process has ended, however
/// it ended. ``shared`` is one cluster for the whole test run; each test makes its own database.
package final class PostgresCluster: Sendable {
    /// The folder holding the cluster's data folder, its log and its socket.
    package let folder: String
    /// The folder the server binaries came from.
    package let binaries: String
    /// The uid and gid the server runs as (nil: as this process).
    private let account: (uid: uid_t, gid: gid_t)?
    private let databases = Mutex(0)

    private init(folder: String, binaries: String, account: (uid: uid_t, gid: gid_t)?) {
        self.folder = folder
        self.binaries = binaries
        self.account = account
    }

    /// The cluster every test of one run shares, started on first use.
    package static func shared() async throws -> PostgresCluster {
        try await SharedCluster.instance.cluster()
    }

    /// A new cluster of its own (for a test that stops and starts it).
    package static func start() async throws -> PostgresCluster {
        let binaries = try Self.findBinaries()
        var template = Array("/tmp/cdpg.XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw HarnessError("mkdtemp failed: \(lastErrorText())")
        }
        let folder = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var account: (uid: uid_t, gid: gid_t)?
        if geteuid() == 0 {
            guard let entry = getpwnam("nobody") else { throw HarnessError("no user nobody to run PostgreSQL as") }
            account = (entry.pointee.pw_uid, entry.pointee.pw_gid)
            guard chown(folder, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
                throw HarnessError("chown \(folder): \(lastErrorText())")
            }
        }
        let cluster = PostgresCluster(folder: folder, binaries: binaries, account: account)
        try cluster.watchForEndOfTests()
        try await cluster.run(
            "initdb",
            ["-D", cluster.dataFolder, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        )
        try await cluster.startServer()
        return cluster
    }

    /// The data folder.
    package var dataFolder: String { self.folder + "/data" }

    /// Starts the server (again) and waits until it accepts connections.
    package func startServer() async throws {
        let options = "-k \(self.folder) -c listen_addresses= -c fsync=off -c max_connections=300"
        try await self.run(
            "pg_ctl",
            ["-D", self.dataFolder, "-l", self.folder + "/server.log", "-w", "-t", "60", "-o", options, "start"]
        )
    }

    /// Stops the server (fast shutdown: sessions are ended) and waits until it is gone.
    package func stopServer() async throws {
        try await self.run("pg_ctl", ["-D", self.dataFolder, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    /// A new empty database for one test; returns its `--store` URL.
    package func createDatabase() async throws -> String {
        let number = self.databases.withLock { count in
            count += 1
            return count
        }
        let name = "t\(getpid())_\(number)"
        try await self.run(
            "psql",
            ["-h", self.folder, "-U", "postgres", "-d", "postgres", "-c", "CREATE DATABASE \(name)"]
        )
        return self.url(database: name)
    }

    /// The `--store` URL of `database` on this cluster.
    package func url(database: String) -> String {
        "postgresql://postgres@localhost/\(database)?host=\(self.folder)&sslmode=disable&application_name=contactd-test"
    }

    /// Runs `sql` in `database` with psql and returns its unaligned output.
    @discardableResult
    package func psql(_ sql: String, database: String) async throws -> String {
        try await self.run("psql", ["-h", self.folder, "-U", "postgres", "-d", database, "-At", "-c", sql])
    }

    /// Runs `tool` of the server's binaries as the server's user; throws with its output when it fails.
    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) async throws -> String {
        var executable = self.binaries + "/" + tool
        var argv = arguments
        if let account {
            argv = ["--reuid=\(account.uid)", "--regid=\(account.gid)", "--clear-groups", "--", executable] + argv
            executable = try Self.which("setpriv")
        }
        let log = self.folder + "/\(tool)-\(UUID().uuidString.prefix(8)).out"
        let process = try ChildProcess.spawn(executable, argv, stdoutPath: log, stderrPath: log + ".err")
        let status = try await process.wait(timeout: .seconds(120))
        let output = process.stdoutText
        guard status == .exited(0) else {
            throw HarnessError(
                "\(tool) \(arguments.joined(separator: " ")) failed (\(status)):\n\(output)\n\(process.stderrText)"
            )
        }
        return output
    }

    /// Starts a shell that waits for this test process to end, then stops the server and
    /// removes the folder.
    private func watchForEndOfTests() throws {
        let pgCtl = self.binaries + "/pg_ctl"
        var stop = "\(pgCtl) -D \(self.dataFolder) -m immediate stop"
        if let account {
            stop =
                "\(try Self.which("setpriv")) --reuid=\(account.uid) --regid=\(account.gid) --clear-groups -- \(stop)"
        }
        let script =
            "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(stop) >/dev/null 2>&1; rm -rf \(self.folder)"
        let watcher = try ChildProcess.spawn(
            "/bin/sh",
            ["-c", script],
            stdoutPath: "/dev/null",
            stderrPath: "/dev/null"
        )
        // Kept for the life of the test process: dropping it would kill the watcher.
        Watchers.keep(watcher)
    }

    /// The folder of `initdb` and `pg_ctl`: Debian's /usr/lib/postgresql/VERSION/bin (newest
    /// first), else the PATH.
    private static func findBinaries() throws -> String {
        let debian = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: debian)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for version in versions {
            let folder = "\(debian)/\(version)/bin"
            if access(folder + "/initdb", X_OK) == 0 && access(folder + "/pg_ctl", X_OK) == 0 { return folder }
        }
        let initdb = try Self.which("initdb")
        return (initdb as NSString).deletingLastPathComponent
    }

    /// The full path of `tool` on the PATH.
    private static func which(_ tool: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") where access("\(folder)/\(tool)", X_OK) == 0 {
            return "\(folder)/\(tool)"
        }
        for folder in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] where access("\(folder)/\(tool)", X_OK) == 0 {
            return "\(folder)/\(tool)"
        }
        throw HarnessError("\(tool) not found (make test installs Debian's postgresql and util-linux)")
    }
}

/// The shared cluster, started once per test process.
private actor SharedCluster {
    static let instance = SharedCluster()
    private var starting: Task<PostgresCluster, any Error>?

    func cluster() async throws -> PostgresCluster {
        if let starting { return try await starting.value }
        let task = Task { try await PostgresCluster.start() }
        self.starting = task
        return try await task.value
    }
}

/// Watcher processes kept alive until the test process ends.
private enum Watchers {
    private static let kept = Mutex<[ChildProcess]>([])

    static func keep(_ process: ChildProcess) {
        self.kept.withLock { $0.append(process) }
    }
}
