import ContactClient
import ContactCore

/// Rows of a CSV file (RFC 4180: `,` separates, `"` quotes, `""` is a quote inside quotes, a
/// quoted field may span lines). The first record is the header: its `id` column is the
/// contact's id and every other column is a `$set` path. An empty cell sets nothing. With
/// `typed`, a cell that is a JSON number, `true`, `false` or `null` is set as that value;
/// otherwise every cell is a string.
struct CSVReader: ImportRowReader {
    /// The header cannot be used.
    struct HeaderError: Error, CustomStringConvertible {
        /// What is wrong with it.
        var description: String
    }

    private var lines: LineInput
    private let typed: Bool
    private var columns: [String] = []
    private var idColumn = 0

    /// Rows of `input`; reads the header at once.
    init(_ input: ChunkedInput, typed: Bool) throws {
        self.lines = LineInput(input)
        self.typed = typed
        guard let header = try self.nextRecord() else { throw HeaderError(description: "the CSV file is empty") }
        guard case .fields(let names) = header.fields else {
            throw HeaderError(description: "line \(header.line): the header row has an unterminated quoted field")
        }
        guard let idColumn = names.firstIndex(of: "id") else {
            throw HeaderError(description: "the header row has no \"id\" column")
        }
        var seen = Set<String>()
        for name in names {
            if name.isEmpty { throw HeaderError(description: "the header row has an empty column name") }
            if !seen.insert(name).inserted { throw HeaderError(description: "the header row names \"\(name)\" twice") }
        }
        self.columns = names
        self.idColumn = idColumn
    }

    mutating func nextRow() throws -> ImportRow? {
        while let record = try self.nextRecord() {
            guard case .fields(let cells) = record.fields else {
                return .bad(line: record.line, id: nil, reason: "unterminated quoted field")
            }
            if cells.count == 1 && cells[0].isEmpty { continue }  // a blank line
            return self.row(cells, line: record.line)
        }
        return nil
    }

    private func row(_ cells: [String], line: Int) -> ImportRow {
        let id = cells.count > self.idColumn ? cells[self.idColumn] : ""
        guard cells.count == self.columns.count else {
            return .bad(
                line: line,
                id: id.isEmpty ? nil : id,
                reason: "expected \(self.columns.count) fields as in the header, got \(cells.count)"
            )
        }
        if id.isEmpty { return .bad(line: line, id: nil, reason: "missing id") }
        if let problem = ExternalID.problem(with: id) { return .bad(line: line, id: id, reason: problem) }
        var update = ProfileUpdate()
        for (column, cell) in zip(self.columns, cells) where column != "id" && !cell.isEmpty {
            update = update.set(column, self.value(of: cell))
        }
        return .entry(line: line, id: id, json: UpsertEntry(id: id, update: update).json)
    }

    private func value(of cell: String) -> JSON {
        guard self.typed, let first = cell.utf8.first,
            first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
                || cell == "true" || cell == "false" || cell == "null",
            let value = try? JSONParser.parse(cell)
        else { return .string(cell) }
        switch value {
        case .array, .object, .string: return .string(cell)
        default: return value
        }
    }

    // MARK: - Records

    private enum Fields {
        case fields([String])
        case unterminated
    }

    /// The next record (which may span several physical lines) and the line it starts on.
    private mutating func nextRecord() throws -> (line: Int, fields: Fields)? {
        guard let first = try self.lines.nextLine() else { return nil }
        let start = self.lines.lineNumber
        var parser = CSVRecordParser()
        var more = parser.feed(first)
        while more {
            guard let next = try self.lines.nextLine() else { return (start, .unterminated) }
            parser.feed(newline: ())
            more = parser.feed(next)
        }
        return (start, .fields(parser.fields))
    }
}
