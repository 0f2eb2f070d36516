import ArgumentParser
import ContactClient

/// `contactctl list [--limit N] [--cursor C]`: prints the first contacts as JSON lines.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Prints contacts in id order as JSON lines.",
        discussion: "When more contacts follow, the cursor to continue with is printed on standard error."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(name: .long, help: "How many contacts to print.")
    var limit: Int = 100

    @Option(name: .long, help: "Start after the position this cursor names.")
    var cursor: String?

    func validate() throws {
        if self.limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let client = try self.connection.makeClient()
        var remaining = self.limit
        var cursor = self.cursor
        repeat {
            let page = try await client.list(limit: Swift.min(remaining, 1000), cursor: cursor)
            for contact in page.contacts {
                ResultOutput.print(contact.json)
            }
            remaining -= page.contacts.count
            cursor = page.nextCursor
        } while remaining > 0 && cursor != nil
        await client.close()
        if let cursor {
            StandardStreams.flush()
            StandardStreams.complain("more contacts follow: continue with --cursor \(cursor)")
        }
    }
}
