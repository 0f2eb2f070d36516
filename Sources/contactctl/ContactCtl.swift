import ArgumentParser
import ContactClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The command-line client of contactd.
///
/// Exit status: 0 when everything succeeded, 1 when some entries failed (or an id was not
/// found), 2 for a usage error or when the daemon cannot be reached or refuses the request.
@main
struct ContactCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contactctl",
        abstract: "Talks to contactd over its Unix socket.",
        discussion: """
            The socket and key come from --socket and --api-key, else CONTACTD_SOCKET and \
            CONTACTD_API_KEY, else ./run/contactd.sock and the key of project "default" in \
            ./data/keys.json. Exit status: 0 ok, 1 some entries failed, 2 usage or connection error.
            """,
        subcommands: [
            PingCommand.self, UpsertCommand.self, ImportCommand.self, GetCommand.self, ListCommand.self,
            ExportCommand.self, CountCommand.self, DeleteCommand.self, RecordMessageCommand.self, StatsCommand.self,
            AdminCommand.self,
        ]
    )

    /// Exit status when some entries failed.
    static let entriesFailed = ExitCode(1)
    /// Exit status for usage and connection errors.
    static let usageOrConnectionError = ExitCode(2)

    /// Parses the arguments, runs the command and exits with contactctl's exit statuses.
    static func main() async {
        let status: Int32
        do {
            var command = try Self.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            status = 0
        } catch {
            status = Self.report(error)
        }
        StandardStreams.flush()
        terminate(status)
    }

    /// Says what went wrong on standard error (help on standard output) and returns the status.
    private static func report(_ error: any Error) -> Int32 {
        StandardStreams.flush()
        if let error = error as? ContactClientError {
            StandardStreams.complain("\(error)")
            if error.code == .notFound { return Self.entriesFailed.rawValue }
            return Self.usageOrConnectionError.rawValue
        }
        if let code = error as? ExitCode { return code.rawValue }
        let code = Self.exitCode(for: error)
        let message = Self.fullMessage(for: error)
        if code == .success {
            StandardStreams.writeLine(message)
            return 0
        }
        StandardStreams.writeError(message.hasSuffix("\n") ? message : message + "\n")
        return Self.usageOrConnectionError.rawValue
    }
}

/// Ends the process with `status` (the C library's `exit`, which `ParsableCommand.exit` hides).
private func terminate(_ status: Int32) -> Never {
    exit(status)
}
