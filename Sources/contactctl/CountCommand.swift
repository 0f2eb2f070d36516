import ArgumentParser
import ContactClient

/// `contactctl count`: prints how many contacts the project has.
struct CountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "count", abstract: "Prints the number of contacts.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try self.connection.makeClient()
        let count = try await client.count()
        await client.close()
        StandardStreams.writeLine(String(count))
    }
}
