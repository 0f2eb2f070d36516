import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The daemon runs with glibc's per-thread malloc cache raised (README, "Operations"), unless the
/// operator set `GLIBC_TUNABLES` themselves; either way it is the same process that serves.
struct AllocatorTunablesTests {
    /// Starts the daemon with `tunables` (nil: the variable unset), waits until it answers a
    /// ping, and returns its `GLIBC_TUNABLES` as `/proc/PID/environ` shows it.
    private func tunables(startedWith tunables: String?) async throws -> String? {
        let directory = try TemporaryDirectory()
        let keys = directory.file("keys.json")
        try Data(#"{"k":"p"}"#.utf8).write(to: URL(fileURLWithPath: keys))
        let socketPath = directory.file("contactd.sock")
        var environment = Harness.childEnvironment()
        environment["GLIBC_TUNABLES"] = tunables
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            ["--socket", socketPath, "--data", directory.file("data"), "--keys", keys, "--fsync", "no"],
            environment: environment,
            stdoutPath: directory.file("stdout.log"),
            stderrPath: directory.file("stderr.log")
        )
        defer { process.killAndReap() }
        let listening = try await eventually(timeout: .seconds(20)) { isSocket(socketPath) }
        #expect(listening, "\(process.stderrText)")
        let client = try Client(path: socketPath) { process.stderrTail() }
        let reply = try await client.call(#"{"method":"ping","requestId":7}"#)
        #expect(reply.contains(#""statusCode":200"#), "\(reply)")
        // The process spawned is the one serving: the daemon ran itself again in place.
        #expect(process.isRunning)
        let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.pid)/environ"))
        let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return variables.first { $0.hasPrefix("GLIBC_TUNABLES=") }.map { String($0.dropFirst("GLIBC_TUNABLES=".count)) }
    }

    @Test func unsetTunablesGetTheLargerThreadCache() async throws {
        #expect(try await self.tunables(startedWith: nil) == "glibc.malloc.tcache_count=128")
    }

    @Test func operatorTunablesAreKept() async throws {
        #expect(try await self.tunables(startedWith: "glibc.malloc.tcache_count=16") == "glibc.malloc.tcache_count=16")
    }
}
