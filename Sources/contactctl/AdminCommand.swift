import ArgumentParser
import ContactClient
import ContactCore

/// `contactctl admin stats|snapshot|backup NAME`: the `admin.*` methods (an admin key only);
/// prints the daemon's reply figures as one line of JSON.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Daemon-wide operations for an admin key: stats, snapshot, backup NAME.",
        subcommands: [Stats.self, Snapshot.self, Backup.self]
    )

    /// `admin stats`.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prints the daemon's figures (admin.stats).")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminCommand.print(self.connection) { client throws(ContactClientError) in
                try await client.adminStats()
            }
        }
    }

    /// `admin snapshot`.
    struct Snapshot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Snapshots every shard now and prints their sizes (admin.snapshot)."
        )

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await AdminCommand.print(self.connection) { client throws(ContactClientError) in
                try await client.adminSnapshot()
            }
        }
    }

    /// `admin backup NAME`.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes a consistent copy of the data into the daemon's --backup-dir/NAME (admin.backup)."
        )

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The backup's name: 1 to 64 of A-Z a-z 0-9 _ . - (not . or ..).")
        var name: String

        func run() async throws {
            let name = self.name
            try await AdminCommand.print(self.connection) { client throws(ContactClientError) in
                try await client.adminBackup(to: name)
            }
        }
    }

    /// Runs `call` with a client of `connection` and prints its figures as one line of JSON.
    static func print(
        _ connection: ConnectionOptions,
        _ call: (ContactdClient) async throws(ContactClientError) -> JSONObject
    ) async throws {
        let client = try connection.makeClient()
        let figures: JSONObject
        do {
            figures = try await call(client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        var line: [UInt8] = []
        JSONWriter.writeObject(figures, into: &line)
        StandardStreams.writeLine(String(decoding: line, as: UTF8.self))
    }
}
