import ArgumentParser
import ContactClient
import ContactCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `contactctl import FILE|-`: upserts the contacts of a JSON lines or CSV file.
struct ImportCommand: AsyncParsableCommand {
    /// The file formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl
        case csv
    }

    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Upserts the contacts of a JSON lines or CSV file in batches.",
        discussion: """
            JSON lines: one {"id":"…","profile":{operators…},"createdAt":"…"} per line. CSV: a header \
            row whose "id" column is the id; every other column is $set (an empty cell sets nothing). \
            The format follows the extension (.csv), else --format, else JSON lines. A bad row is \
            reported with its line number and skipped. Prints a JSON summary; exit 1 when rows failed. \
            Each batch's idempotency key comes from its number and content, so running the same \
            import again applies nothing twice (its batches count as "replayed"); --salt makes a new \
            run apply the file again.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The file, or - for standard input.")
    var file: String

    @Option(name: .long, help: "jsonl or csv (default: csv for a .csv file, else jsonl).")
    var format: Format?

    @Flag(name: .long, help: "CSV: set cells that are JSON numbers, true, false or null as such, not as strings.")
    var typed = false

    @Option(name: .long, help: "Mixed into the idempotency keys: a new salt applies the same file again.")
    var salt: String = ""

    @Option(name: .customLong("batch-size"), help: "Contacts per request (at most the daemon's --max-batch).")
    var batchSize: Int = 50

    func validate() throws {
        if self.batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        let format = self.format ?? (self.file.lowercased().hasSuffix(".csv") ? .csv : .jsonl)
        let descriptor: Int32 = self.file == "-" ? 0 : open(self.file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ValidationError("cannot open \(self.file): \(String(cString: strerror(errno)))")
        }
        defer { if descriptor != 0 { close(descriptor) } }
        let client = try self.connection.makeClient()
        let importer = Importer(
            client: client,
            salt: self.salt,
            batchSize: self.batchSize,
            window: client.configuration.connections * client.configuration.pipelineDepth
        )
        let input = ChunkedInput(descriptor: descriptor)
        let summary: ImportSummary
        switch format {
        case .jsonl:
            var reader = JSONLinesReader(input)
            summary = try await importer.run(&reader)
        case .csv:
            var reader: CSVReader
            do {
                reader = try CSVReader(input, typed: self.typed)
            } catch let error as CSVReader.HeaderError {
                throw ValidationError("\(self.file): \(error)")
            }
            summary = try await importer.run(&reader)
        }
        await client.close()
        ResultOutput.print(summary.json)
        if !summary.failures.isEmpty { throw ContactCtl.entriesFailed }
    }
}
