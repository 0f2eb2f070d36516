import ContactCore

/// What an import did, printed as one JSON object at the end.
struct ImportSummary: Sendable {
    /// One row that was not applied.
    struct Failure: Sendable {
        /// The line the row starts on.
        var line: Int
        /// Its id, when it had a readable one.
        var id: String?
        /// Why it was not applied.
        var message: String
    }

    /// Rows read (blank lines excluded).
    var rows = 0
    /// Rows that inserted a contact.
    var inserted = 0
    /// Rows that updated a contact.
    var updated = 0
    /// Rows of batches an earlier run of the same import already applied (answered from the
    /// server's idempotency memory, applied nothing now).
    var replayed = 0
    /// Rows skipped as unreadable or refused by the server.
    var failures: [Failure] = []

    /// Adds the counts and failures of `other`.
    mutating func merge(_ other: ImportSummary) {
        self.inserted += other.inserted
        self.updated += other.updated
        self.replayed += other.replayed
        self.failures += other.failures
    }

    /// `{"rows":…,"inserted":…,"updated":…,"replayed":…,"failed":…,"errors":[{"line":…,"id":…,"error":…}]}`,
    /// errors ordered by line.
    var json: JSON {
        let errors = self.failures.sorted { $0.line < $1.line }.map { failure -> JSON in
            var object = JSONObject(["line": .int(Int64(failure.line))])
            object["id"] = failure.id.map { .string($0) } ?? .null
            object["error"] = .string(failure.message)
            return .object(object)
        }
        return .object(
            JSONObject([
                "rows": .int(Int64(self.rows)),
                "inserted": .int(Int64(self.inserted)),
                "updated": .int(Int64(self.updated)),
                "replayed": .int(Int64(self.replayed)),
                "failed": .int(Int64(self.failures.count)),
                "errors": .array(errors),
            ])
        )
    }
}
