import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PROTOCOL.md section 9: socket activation (`LISTEN_FDS`) and notifications to systemd.
struct SocketActivationTests {
    static let activator = "/usr/bin/systemd-socket-activate"

    /// A daemon started by `systemd-socket-activate` on a listening socket it passes down.
    struct Activated {
        let directory: TemporaryDirectory
        let socketPath: String
        let notify: NotifySocket
        let process: ChildProcess

        /// A `--socket` path given to the daemon, which it must ignore.
        var ignoredSocketPath: String { self.directory.file("ignored.sock") }

        init(extraEnvironment: [String] = [], listenPaths: [String]? = nil) throws {
            let directory = try TemporaryDirectory()
            self.directory = directory
            self.socketPath = directory.file("activated.sock")
            self.notify = try NotifySocket(path: directory.file("notify.sock"))
            let keys = directory.file("keys.json")
            try Data(#"{"\#(Daemon.keyA)":"\#(Daemon.projectA)"}"#.utf8).write(to: URL(fileURLWithPath: keys))
            var arguments: [String] = []
            for path in listenPaths ?? [self.socketPath] { arguments += ["-l", path] }
            arguments += ["-E", "NOTIFY_SOCKET=\(self.notify.path)"]
            for assignment in extraEnvironment { arguments += ["-E", assignment] }
            arguments += [Harness.daemonBinary, "--data", directory.file("data"), "--keys", keys]
            arguments += ["--socket", directory.file("ignored.sock")]
            self.process = try ChildProcess.spawn(
                SocketActivationTests.activator,
                arguments,
                stdoutPath: directory.file("stdout.log"),
                stderrPath: directory.file("stderr.log")
            )
        }

        /// Waits for the activator to listen, then connects (which makes it exec the daemon).
        func connect() async throws -> Client {
            let ready = try await eventually(timeout: .seconds(10)) { isSocket(self.socketPath) }
            guard ready else {
                throw HarnessError("systemd-socket-activate did not listen: \(self.process.stderrText)")
            }
            let process = self.process
            return try Client(path: self.socketPath) { "\n[stderr:\n\(process.stderrTail())]" }
        }
    }

    /// Socket-activated: serves, READY=1, STATUS=, ignores --socket, STOPPING=1, exit 0, path kept.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: activator)))
    func servesInheritedSocketAndNotifies() async throws {
        let activated = try Activated()
        let client = try await activated.connect()
        #expect(
            try await client.call(#"{"method":"ping","requestId":1}"#)
                == #"{"statusCode":200,"success":true,"requestId":1}"#
        )
        #expect(try await client.upsert(#"{"id":"sa"}"#).strings("inserted") == ["sa"])
        #expect(try await activated.notify.waitFor { $0 == "READY=1" }, "\(activated.notify.messages)")
        #expect(
            try await activated.notify.waitFor { $0.hasPrefix("STATUS=") && $0.count > 7 },
            "\(activated.notify.messages)"
        )
        #expect(!exists(activated.ignoredSocketPath))
        #expect(!activated.notify.assignments.contains("STOPPING=1"))

        activated.process.send(signal: SIGTERM)
        #expect(
            try await activated.process.wait(timeout: .seconds(15)) == .exited(0),
            "\(activated.process.stderrText)"
        )
        #expect(
            try await activated.notify.waitFor(timeout: .seconds(2)) { $0 == "STOPPING=1" },
            "\(activated.notify.messages)"
        )
        #expect(isSocket(activated.socketPath), "the daemon must not unlink an activated socket")
        let ready = activated.notify.assignments.firstIndex(of: "READY=1") ?? .max
        let stopping = activated.notify.assignments.firstIndex(of: "STOPPING=1") ?? -1
        #expect(ready < stopping)
    }

    /// With `WATCHDOG_USEC` set, WATCHDOG=1 arrives about every half of it.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: activator)))
    func watchdogPings() async throws {
        let activated = try Activated(extraEnvironment: ["WATCHDOG_USEC=400000"])
        let client = try await activated.connect()
        #expect(try await client.pings())
        #expect(try await activated.notify.waitFor(timeout: .seconds(5)) { $0 == "READY=1" })
        let start = ContinuousClock.now
        try await pause(.milliseconds(900))
        activated.notify.drain()
        let count = activated.notify.assignments.filter { $0 == "WATCHDOG=1" }.count
        #expect(count >= 2, "\(count) watchdog pings in \(ContinuousClock.now - start): \(activated.notify.messages)")
        activated.process.send(signal: SIGTERM)
        #expect(try await activated.process.wait(timeout: .seconds(15)) == .exited(0))
    }

    /// Two inherited sockets are refused: the daemon exits non-zero saying why.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: activator)))
    func twoInheritedSocketsFail() async throws {
        let directory = try TemporaryDirectory()
        let second = directory.file("second.sock")
        let activated = try Activated(listenPaths: [directory.file("first.sock"), second])
        let ready = try await eventually(timeout: .seconds(10)) { isSocket(second) }
        #expect(ready)
        let client = try Client(path: second)
        _ = client
        let status = try await activated.process.wait(timeout: .seconds(15))
        #expect(status.isExit && status != .exited(0), "\(status)")
        #expect(!activated.process.lastStderrLine.isEmpty)
        #expect(!activated.notify.assignments.contains("READY=1"))
    }

    /// `LISTEN_FDS` for another process (or no `LISTEN_PID`) fails the start; no fallback bind.
    @Test(arguments: [
        ["LISTEN_FDS": "1", "LISTEN_PID": "1"], ["LISTEN_FDS": "1"], ["LISTEN_FDS": "1", "LISTEN_PID": "999999999"],
    ])
    func listenFdsForAnotherProcessFails(environment: [String: String]) async throws {
        let directory = try TemporaryDirectory()
        let keys = directory.file("keys.json")
        try Data(#"{"k":"p"}"#.utf8).write(to: URL(fileURLWithPath: keys))
        let socketPath = directory.file("contactd.sock")
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            ["--socket", socketPath, "--data", directory.file("data"), "--keys", keys],
            environment: Harness.childEnvironment(adding: environment),
            stdoutPath: directory.file("stdout.log"),
            stderrPath: directory.file("stderr.log")
        )
        let status = try await process.wait(timeout: .seconds(15))
        #expect(status.isExit && status != .exited(0), "\(status): \(process.stderrText)")
        #expect(process.lastStderrLine.contains("LISTEN"), "\(process.lastStderrLine)")
        #expect(!exists(socketPath))
    }
}
