import ArgumentParser
import ContactClient

/// `contactctl ping`: checks that the daemon answers.
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "Checks that the daemon answers.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try self.connection.makeClient(needsKey: false)
        try await client.ping()
        await client.close()
        StandardStreams.writeLine("ok")
    }
}
