import ContactCore

/// Up to one request's worth of import rows, with where each came from.
struct ImportBatch: Sendable {
    /// Names the batch in its idempotency key: its number in the file, then `.0`/`.1` for the
    /// halves of a batch the server found too large.
    var label: String
    /// The line each entry starts on.
    var lines: [Int]
    /// Each entry's id.
    var ids: [String]
    /// The entries as sent.
    var entries: [JSON]

    /// The two halves of the batch.
    func halves() -> (ImportBatch, ImportBatch) {
        let middle = self.entries.count / 2
        return (
            ImportBatch(
                label: self.label + ".0",
                lines: Array(self.lines[..<middle]),
                ids: Array(self.ids[..<middle]),
                entries: Array(self.entries[..<middle])
            ),
            ImportBatch(
                label: self.label + ".1",
                lines: Array(self.lines[middle...]),
                ids: Array(self.ids[middle...]),
                entries: Array(self.entries[middle...])
            )
        )
    }
}
