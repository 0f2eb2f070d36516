import ArgumentParser
import ContactClient

/// `contactctl export`: prints every contact as JSON lines.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Prints every contact of the project in id order as JSON lines."
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try self.connection.makeClient()
        for try await contact in client.allContacts() {
            ResultOutput.print(contact.json)
        }
        await client.close()
    }
}
