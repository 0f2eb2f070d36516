package import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
package enum ChildExitStatus: Equatable, Sendable, CustomStringConvertible {
    /// It called `exit` with this code.
    case exited(Int32)
    /// A signal ended it.
    case signaled(Int32)

    /// Decodes a `waitpid` status.
    package init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(status & 0x7f)
        }
    }

    /// True when the process called exit (it was not killed by a signal).
    package var isExit: Bool {
        if case .exited = self { return true }
        return false
    }

    package var description: String {
        switch self {
        case .exited(let code): return "exit \(code)"
        case .signaled(let signal): return "signal \(signal)"
        }
    }
}

/// A process started with `posix_spawn`: standard output and error go to files, the signal mask
/// and the dispositions of the signals the daemon cares about are reset, and it is killed and
/// reaped when this object goes away.
package final class ChildProcess: Sendable {
    /// The process id.
    package let pid: pid_t
    /// Where its standard error goes.
    package let stderrPath: String
    /// Where its standard output goes.
    package let stdoutPath: String
    private let status = Mutex<ChildExitStatus?>(nil)

    private init(pid: pid_t, stdoutPath: String, stderrPath: String) {
        self.pid = pid
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    /// Starts `executable` with `arguments`; stdin comes from `stdinPath` (default /dev/null).
    package static func spawn(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = Harness.childEnvironment(),
        stdinPath: String = "/dev/null",
        stdoutPath: String,
        stderrPath: String
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

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

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] =
            environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw HarnessError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    /// The exit status when the process has ended (reaping it), else nil.
    package func poll() -> ChildExitStatus? {
        self.status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            if waitpid(self.pid, &raw, WNOHANG) == self.pid {
                status = ChildExitStatus(waitStatus: raw)
            }
            return status
        }
    }

    /// True while the process runs.
    package var isRunning: Bool { self.poll() == nil }

    /// Waits for the process to end, at most `timeout`.
    package func wait(timeout: Duration) async throws -> ChildExitStatus {
        let deadline = ContinuousClock.now + timeout
        var backoff = Duration.microseconds(200)
        while true {
            if let status = self.poll() { return status }
            if ContinuousClock.now >= deadline {
                throw HarnessError("process \(self.pid) still running after \(timeout); stderr:\n\(self.stderrTail())")
            }
            try await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .milliseconds(10))
        }
    }

    /// Sends `signal` to the process (when it still runs).
    package func send(signal: Int32) {
        if self.isRunning { kill(self.pid, signal) }
    }

    /// Kills and reaps the process if it still runs.
    package func killAndReap() {
        self.status.withLock { status in
            guard status == nil else { return }
            kill(self.pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(self.pid, &raw, 0) < 0 && errno == EINTR {}
            status = ChildExitStatus(waitStatus: raw)
        }
    }

    /// Everything written to standard error so far.
    package var stderrText: String {
        (try? String(contentsOfFile: self.stderrPath, encoding: .utf8)) ?? ""
    }

    /// Everything written to standard output so far.
    package var stdoutText: String {
        (try? String(contentsOfFile: self.stdoutPath, encoding: .utf8)) ?? ""
    }

    /// The last non-empty line of standard error.
    package var lastStderrLine: String {
        self.stderrText.split(separator: "\n", omittingEmptySubsequences: true).last.map(String.init) ?? ""
    }

    /// The end of standard error, for failure messages.
    package func stderrTail(lines: Int = 25) -> String {
        self.stderrText.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The resident set size in KiB, from /proc/PID/status.
    package func residentKilobytes() throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(self.pid)/status", encoding: .utf8)
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.dropFirst("VmRSS:".count).filter(\.isNumber)
            if let value = Int(digits) { return value }
        }
        throw HarnessError("no VmRSS in /proc/\(self.pid)/status")
    }

    deinit {
        self.killAndReap()
    }
}
