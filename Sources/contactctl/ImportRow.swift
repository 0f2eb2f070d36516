import ContactCore

/// One row of an import file: an upsert entry ready to send, or a row that cannot be sent.
enum ImportRow {
    /// An entry (`{"id":…,"profile":{…}}`) from the row starting at `line`.
    case entry(line: Int, id: String, json: JSON)
    /// A row starting at `line` that is skipped, with its id when one was readable.
    case bad(line: Int, id: String?, reason: String)
}

/// Produces the rows of an import file one at a time.
protocol ImportRowReader {
    /// The next row, or nil at the end.
    mutating func nextRow() throws -> ImportRow?
}
