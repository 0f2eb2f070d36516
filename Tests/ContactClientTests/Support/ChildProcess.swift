import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A process started with `posix_spawn`, with the signal mask and the dispositions of the
/// signals the daemon handles reset (the test runner may block them), and its output sent to a
/// file.
final class ChildProcess: Sendable {
    /// The process id.
    let pid: pid_t
    private let status = Mutex<Int32?>(nil)

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `executable` with `arguments`; standard output and error go to `logPath`.
    static func spawn(_ executable: String, _ arguments: [String], logPath: String) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGCHLD, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var environment = ProcessInfo.processInfo.environment
        for name in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            environment[name] = nil
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestFailure("cannot start \(executable): \(String(cString: strerror(result)))") }
        return ChildProcess(pid: pid)
    }

    /// The exit status (128 + signal when a signal ended it) once the process ended, else nil.
    func poll() -> Int32? {
        self.status.withLock { status in
            if status == nil {
                var raw: Int32 = 0
                if waitpid(self.pid, &raw, WNOHANG) == self.pid {
                    status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
                }
            }
            return status
        }
    }

    /// Waits at most `timeout` for the process to end.
    func wait(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = self.poll() { return status }
            if ContinuousClock.now > deadline { throw TestFailure("process \(self.pid) still runs after \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Sends `signal` while the process runs.
    func signal(_ signal: Int32) {
        if self.poll() == nil { Glibc.kill(self.pid, signal) }
    }

    /// Kills and reaps the process if it still runs.
    func kill() {
        guard self.poll() == nil else { return }
        Glibc.kill(self.pid, SIGKILL)
        var raw: Int32 = 0
        while waitpid(self.pid, &raw, 0) < 0 && errno == EINTR {}
        self.status.withLock { $0 = 128 + SIGKILL }
    }
}
