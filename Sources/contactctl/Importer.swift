import ContactClient
import ContactCore

/// Sends the rows of an import file in batches, pipelined over the client's connections, and
/// adds up what happened.
///
/// Each batch's idempotency key is derived from the batch's number, the salt and the entries it
/// sends, so running the same import again (after an interruption, say) applies nothing twice:
/// batches already applied are answered from the server's memory and counted as `replayed`.
struct Importer {
    /// The client to send with.
    let client: ContactdClient
    /// Mixed into every key; a new salt applies the same file again.
    let salt: String
    /// Entries per request.
    let batchSize: Int
    /// Requests in flight at most.
    let window: Int

    /// Reads every row of `reader`, sends the good ones and returns the summary. Throws when the
    /// daemon cannot be reached (after the client's retries) or refuses the key.
    func run(_ reader: inout some ImportRowReader) async throws -> ImportSummary {
        var summary = ImportSummary()
        var progress = ProgressLine()
        var pending = ImportBatch(label: "0", lines: [], ids: [], entries: [])
        var batchNumber = 0
        var done = 0
        var badRows = 0
        let client = self.client
        let salt = self.salt

        try await withThrowingTaskGroup(of: ImportSummary.self) { group in
            var inFlight = 0
            func collect() async throws {
                guard let finished = try await group.next() else { return }
                inFlight -= 1
                done += finished.inserted + finished.updated + finished.replayed + finished.failures.count
                summary.merge(finished)
                progress.update(read: summary.rows, done: done + badRows)
            }
            func submit() async throws {
                guard !pending.entries.isEmpty else { return }
                let batch = pending
                batchNumber += 1
                pending = ImportBatch(label: String(batchNumber), lines: [], ids: [], entries: [])
                while inFlight >= self.window { try await collect() }
                inFlight += 1
                group.addTask { try await Self.send(batch, client: client, salt: salt) }
            }

            while let row = try reader.nextRow() {
                summary.rows += 1
                switch row {
                case .bad(let line, let id, let reason):
                    badRows += 1
                    summary.failures.append(ImportSummary.Failure(line: line, id: id, message: reason))
                case .entry(let line, let id, let json):
                    pending.lines.append(line)
                    pending.ids.append(id)
                    pending.entries.append(json)
                    if pending.entries.count == self.batchSize { try await submit() }
                }
            }
            try await submit()
            while inFlight > 0 { try await collect() }
        }
        progress.finish()
        return summary
    }

    /// Sends one batch (splitting it when the server finds it too large) and returns its part of
    /// the summary; throws for failures that stop the import.
    static func send(_ batch: ImportBatch, client: ContactdClient, salt: String) async throws -> ImportSummary {
        var body: [UInt8] = []
        JSONWriter.write(.array(batch.entries), into: &body)
        let key = IdempotencyKey.derived(
            prefix: "contactctl-import-",
            from: [Array(batch.label.utf8), Array(salt.utf8), body]
        )
        var summary = ImportSummary()
        do {
            let result = try await client.upsert(json: batch.entries, idempotencyKey: key)
            if result.replayed {
                summary.replayed = result.inserted.count + result.updated.count
            } else {
                summary.inserted = result.inserted.count
                summary.updated = result.updated.count
            }
            for failure in result.errors {
                let line = batch.lines.indices.contains(failure.index) ? batch.lines[failure.index] : 0
                summary.failures.append(ImportSummary.Failure(line: line, id: failure.id, message: failure.message))
            }
        } catch {
            if error.code == .payloadTooLarge && batch.entries.count > 1 {
                let (first, second) = batch.halves()
                summary.merge(try await Self.send(first, client: client, salt: salt))
                summary.merge(try await Self.send(second, client: client, salt: salt))
            } else if Self.failsOnlyTheBatch(error) {
                for (line, id) in zip(batch.lines, batch.ids) {
                    summary.failures.append(
                        ImportSummary.Failure(line: line, id: id, message: "request refused: \(error.message)")
                    )
                }
            } else {
                throw error
            }
        }
        return summary
    }

    /// True for a refusal of one batch's content (400, 409, 413, 500, an unknown status), which
    /// the import reports per line and goes on; false for what stops the whole import.
    private static func failsOnlyTheBatch(_ error: ContactClientError) -> Bool {
        guard error.statusCode != nil else { return false }
        return ![ContactClientError.Code.notFound, .unauthorized, .serviceUnavailable].contains(error.code)
    }
}
