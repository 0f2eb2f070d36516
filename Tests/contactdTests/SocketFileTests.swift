import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PROTOCOL.md section 9: the socket file when the daemon binds it itself.
struct SocketFileTests {
    /// Starts contactd with `arguments` and waits for it to end (it is expected to fail to start).
    static func runToFailure(
        _ arguments: [String],
        in directory: TemporaryDirectory
    ) async throws -> (ChildExitStatus, ChildProcess) {
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            arguments,
            stdoutPath: directory.file("fail-stdout-\(UUID().uuidString.prefix(6))"),
            stderrPath: directory.file("fail-stderr-\(UUID().uuidString.prefix(6))")
        )
        return (try await process.wait(timeout: .seconds(15)), process)
    }

    /// Creates a socket file with no listener behind it (what a crashed daemon leaves).
    static func makeStaleSocket(at path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let result = try withUnixAddress(path) { bind(descriptor, $0, $1) }
        close(descriptor)
        guard result == 0 else { throw HarnessError("bind \(path): \(lastErrorText())") }
    }

    /// A stale socket file (no listener) is replaced and the daemon serves on it.
    @Test func staleSocketIsReplaced() async throws {
        let directory = try TemporaryDirectory()
        try Self.makeStaleSocket(at: directory.file("contactd.sock"))
        #expect(isSocket(directory.file("contactd.sock")))
        let daemon = try await Daemon.start(directory: directory)
        let client = try daemon.connect()
        #expect(try await client.pings())
    }

    /// A live socket makes a second daemon exit non-zero with "already running"; the first serves on.
    @Test func liveSocketMakesStartFail() async throws {
        let first = try await Daemon.start()
        let other = try TemporaryDirectory()
        let (status, process) = try await Self.runToFailure(
            ["--socket", first.socketPath, "--data", other.file("data"), "--keys", try #require(first.keysPath)],
            in: other
        )
        #expect(status != .exited(0), "\(status)")
        #expect(status.isExit, "\(status)")
        #expect(process.lastStderrLine.contains("already running"), "\(process.stderrText)")
        #expect(isSocket(first.socketPath))
        #expect(try await first.connect().pings())
    }

    /// A socket with another program listening on it is never taken over.
    @Test func foreignListenerIsLeftAlone() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("foreign.sock")
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(listener) }
        #expect(try withUnixAddress(path) { bind(listener, $0, $1) } == 0)
        #expect(listen(listener, 4) == 0)
        let keys = directory.file("keys.json")
        try Data(#"{"k":"p"}"#.utf8).write(to: URL(fileURLWithPath: keys))
        let (status, process) = try await Self.runToFailure(
            ["--socket", path, "--data", directory.file("data"), "--keys", keys],
            in: directory
        )
        #expect(status.isExit && status != .exited(0), "\(status)")
        #expect(process.lastStderrLine.contains("already running"), "\(process.stderrText)")
        #expect(isSocket(path))
        // The foreign listener still gets connections.
        #expect((try? Client(path: path)) != nil)
    }

    /// A regular file (or a folder) at the socket path is never removed: the start fails.
    @Test(arguments: ["file", "directory"])
    func nonSocketPathIsNeverRemoved(kind: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("contactd.sock")
        if kind == "file" {
            try Data("precious\n".utf8).write(to: URL(fileURLWithPath: path))
        } else {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        let keys = directory.file("keys.json")
        try Data(#"{"k":"p"}"#.utf8).write(to: URL(fileURLWithPath: keys))
        let (status, process) = try await Self.runToFailure(
            ["--socket", path, "--data", directory.file("data"), "--keys", keys],
            in: directory
        )
        #expect(status.isExit && status != .exited(0), "\(status)")
        #expect(!process.lastStderrLine.isEmpty)
        #expect(process.lastStderrLine.contains(path), "\(process.lastStderrLine)")
        if kind == "file" {
            #expect((try? String(contentsOfFile: path, encoding: .utf8)) == "precious\n")
        } else {
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        }
    }

    /// The socket file has mode 0660 by default; `--socket-mode 600` and `0600` give 0600, `0666` gives 0666.
    @Test(
        arguments: [(nil, 0o660), ("600", 0o600), ("0600", 0o600), ("0666", 0o666), ("660", 0o660)] as [(String?, Int)]
    )
    func socketMode(flag: String?, expected: Int) async throws {
        let daemon = try await Daemon.start(flag.map { ["--socket-mode", $0] } ?? [])
        #expect(permissionBits(of: daemon.socketPath) == mode_t(expected))
        #expect(try await daemon.connect().pings())
    }

    /// On SIGTERM and SIGINT the daemon exits 0 and removes its socket file.
    @Test(arguments: [SIGTERM, SIGINT])
    func socketRemovedOnCleanExit(signal: Int32) async throws {
        let daemon = try await Daemon.start()
        #expect(try await daemon.connect().pings())
        #expect(try await daemon.stop(signal: signal) == .exited(0))
        #expect(!exists(daemon.socketPath))
    }

    /// After a crash (SIGKILL) leaves a stale socket file, a new daemon starts on the same path.
    @Test func restartAfterKillReplacesStaleSocket() async throws {
        let first = try await Daemon.start()
        #expect(try await first.stop(signal: SIGKILL) == .signaled(SIGKILL))
        #expect(isSocket(first.socketPath))
        let second = try await Daemon.start(directory: first.directory)
        #expect(try await second.connect().pings())
    }
}
