import ContactdTesting
import Foundation

/// One run of `contactctl`: its exit status and output.
struct CtlRun: Sendable {
    /// The exit status.
    var status: Int32
    /// Standard output.
    var stdout: String
    /// Standard error.
    var stderr: String

    /// Runs `contactctl arguments…` (or `executable`) in `directory` (so that its defaults find `run/contactd.sock`
    /// and `data/keys.json` there), with `environment` added, standard input from `stdinPath`.
    static func run(
        _ arguments: [String],
        in directory: String,
        environment: [String: String] = [:],
        stdinPath: String? = nil,
        executable: String = Harness.contactctlBinary
    ) async throws -> CtlRun {
        // The test process's own settings never reach contactctl; `environment` adds the test's.
        var inherited = Harness.childEnvironment()
        inherited["CONTACTD_SOCKET"] = nil
        inherited["CONTACTD_API_KEY"] = nil
        inherited.merge(environment) { _, new in new }
        let tag = UUID().uuidString.prefix(8)
        let outPath = directory + "/ctl-\(tag).out"
        let errPath = directory + "/ctl-\(tag).err"
        // Started with posix_spawn and reaped with waitpid on its own pid (Foundation's Process
        // was seen to miss a child's exit under load and hang the test). The shell enters
        // `directory` and then becomes contactctl.
        let process = try ChildProcess.spawn(
            "/bin/sh",
            ["-c", #"cd "$0" && exec "$@""#, directory, executable] + arguments,
            environment: inherited,
            stdinPath: stdinPath ?? "/dev/null",
            stdoutPath: outPath,
            stderrPath: errPath
        )
        let status: ChildExitStatus
        do {
            status = try await process.wait(timeout: .seconds(60))
        } catch {
            throw HarnessError("contactctl \(arguments) (pid \(process.pid)) still runs after 60 s")
        }
        let code: Int32
        switch status {
        case .exited(let exit): code = exit
        case .signaled(let signal): code = 128 + signal
        }
        let run = CtlRun(
            status: code,
            stdout: try String(contentsOfFile: outPath, encoding: .utf8),
            stderr: try String(contentsOfFile: errPath, encoding: .utf8)
        )
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        return run
    }

    /// Standard output's lines.
    var lines: [String] { self.stdout.split(separator: "\n").map(String.init) }
}
