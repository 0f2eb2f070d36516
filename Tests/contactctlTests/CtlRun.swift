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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["CONTACTD_SOCKET"] = nil
        env["CONTACTD_API_KEY"] = nil
        env.merge(environment) { _, new in new }
        process.environment = env
        let tag = UUID().uuidString.prefix(8)
        let outPath = directory + "/ctl-\(tag).out"
        let errPath = directory + "/ctl-\(tag).err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        process.standardInput =
            try stdinPath.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) }
            ?? FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw HarnessError("contactctl \(arguments) (pid \(pid)) still runs after 60 s")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        try out.close()
        try err.close()
        let run = CtlRun(
            status: process.terminationStatus,
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
