import ArgumentParser
import ContactClient

/// `contactctl export`: prints every contact as JSON lines.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Prints every contact of the project in id order as JSON lines.",
        discussion: "On a terminal, standard error shows a progress line while it runs."
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let client = try self.connection.makeClient()
        var progress = ProgressLine(activity: "exporting", unit: "contacts")
        // The total is read once at the start: contacts written meanwhile may make "N of M" end past M.
        let total = StandardStreams.errorIsTerminal ? try await client.count() : 0
        var exported = 0
        for try await contact in client.allContacts() {
            ResultOutput.print(contact.json)
            exported += 1
            progress.update(read: max(total, exported), done: exported)
        }
        progress.finish()
        await client.close()
    }
}
