import ArgumentParser
import ContactClient

/// `contactctl stats`: prints the figures of the key's project, one `name: value` a line.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Prints the project's figures: contacts, idempotency keys, bytes."
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try self.connection.makeClient()
        let stats = try await client.stats()
        await client.close()
        var lines = [
            "project: \(stats.project)", "contacts: \(stats.contacts)", "idempotencyKeys: \(stats.idempotencyKeys)",
        ]
        if let bytes = stats.profileBytes { lines.append("profileBytes: \(bytes)") }
        if let bytes = stats.idempotencyBytes { lines.append("idempotencyBytes: \(bytes)") }
        StandardStreams.writeLine(lines.joined(separator: "\n"))
    }
}
