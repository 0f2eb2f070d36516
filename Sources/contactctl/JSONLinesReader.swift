import ContactClient
import ContactCore

/// Rows of a JSON lines file: each line is `{"id":"…","profile":{operators…},"createdAt":"…"}`
/// (`profile` and `createdAt` optional). Blank lines are skipped; a line that is not such an
/// object is a bad row.
struct JSONLinesReader: ImportRowReader {
    private var lines: LineInput

    /// Rows of `input`.
    init(_ input: ChunkedInput) {
        self.lines = LineInput(input)
    }

    mutating func nextRow() throws -> ImportRow? {
        while let line = try self.lines.nextLine() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            return Self.row(Array(line), line: self.lines.lineNumber)
        }
        return nil
    }

    /// The row of one line's bytes.
    static func row(_ bytes: [UInt8], line: Int) -> ImportRow {
        let value: JSON
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            return .bad(line: line, id: nil, reason: "invalid JSON: \(error)")
        }
        guard case .object(let object) = value else {
            return .bad(line: line, id: nil, reason: "not a JSON object")
        }
        guard let idValue = object["id"], !idValue.isNull else {
            return .bad(line: line, id: nil, reason: "missing id")
        }
        guard let id = idValue.stringValue else {
            return .bad(line: line, id: nil, reason: "id must be a string, got \(idValue.typeName)")
        }
        if let problem = ExternalID.problem(with: id) {
            return .bad(line: line, id: id, reason: problem)
        }
        var entry = JSONObject(["id": .string(id)])
        switch object["profile"] {
        case nil, .null?: break
        case .object(let operators)?: entry["profile"] = .object(operators)
        case let other?: return .bad(line: line, id: id, reason: "profile must be an object, got \(other.typeName)")
        }
        switch object["createdAt"] {
        case nil, .null?: break
        case .string(let text)? where Timestamp(rfc3339: text) != nil: entry["createdAt"] = .string(text)
        case let other?:
            return .bad(
                line: line,
                id: id,
                reason: "createdAt must be an RFC 3339 date-time, got \(JSONWriter.string(other))"
            )
        }
        return .entry(line: line, id: id, json: .object(entry))
    }
}
