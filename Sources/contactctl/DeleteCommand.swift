import ArgumentParser
import ContactClient
import ContactCore

/// `contactctl delete ID…`: deletes contacts.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Deletes contacts; prints {\"deleted\":[…],\"notFound\":[…]} (exit 1 when some were not found)."
    )

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "External ids.")
    var ids: [String]

    func validate() throws {
        if self.ids.isEmpty { throw ValidationError("give at least one id") }
        for id in self.ids {
            if let problem = ExternalID.problem(with: id) { throw ValidationError("\"\(id)\": \(problem)") }
        }
    }

    func run() async throws {
        let client = try self.connection.makeClient()
        var total = DeleteResult()
        var start = 0
        while start < self.ids.count {
            let batch = Array(self.ids[start..<Swift.min(start + client.configuration.maxBatch, self.ids.count)])
            let result = try await client.delete(batch)
            total.deleted += result.deleted
            total.notFound += result.notFound
            start += batch.count
        }
        await client.close()
        ResultOutput.print(ResultOutput.json(total))
        if !total.notFound.isEmpty { throw ContactCtl.entriesFailed }
    }
}
