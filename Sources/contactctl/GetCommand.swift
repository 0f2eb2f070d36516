import ArgumentParser
import ContactClient

/// `contactctl get ID`: prints one contact.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Prints one contact as JSON (exit 1 when it does not exist)."
    )

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The contact's external id.")
    var id: String

    func run() async throws {
        let client = try self.connection.makeClient()
        let contact = try await client.get(self.id)
        await client.close()
        ResultOutput.print(contact.json)
    }
}
