import ArgumentParser
import ContactClient
import ContactCore

/// `contactctl record-message ID… [--at DATE]`: counts a received message per id.
struct RecordMessageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record-message",
        abstract: "Counts one message received by each contact (exit 1 when some failed)."
    )

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "External ids.")
    var ids: [String]

    @Option(name: .long, help: "When the message was received, RFC 3339 (default now).")
    var at: String?

    func validate() throws {
        if self.ids.isEmpty { throw ValidationError("give at least one id") }
        if let at = self.at, Timestamp(rfc3339: at) == nil {
            throw ValidationError("--at: \"\(at)\" is not an RFC 3339 date-time (2016-10-22T04:31:13Z)")
        }
    }

    func run() async throws {
        let at = self.at.flatMap { Timestamp(rfc3339: $0) }
        let client = try self.connection.makeClient()
        var total = RecordResult()
        var start = 0
        while start < self.ids.count {
            let batch = self.ids[start..<Swift.min(start + client.configuration.maxBatch, self.ids.count)]
            let result = try await client.recordMessages(batch.map { MessageRecord(id: $0, at: at) })
            total.recorded += result.recorded
            total.failed += result.failed
            total.errors += result.errors.map { EntryFailure(index: $0.index + start, id: $0.id, message: $0.message) }
            start += batch.count
        }
        await client.close()
        ResultOutput.print(ResultOutput.json(total))
        if !total.success { throw ContactCtl.entriesFailed }
    }
}
