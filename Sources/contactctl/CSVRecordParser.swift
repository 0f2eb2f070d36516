/// Splits one CSV record into fields, line by line.
struct CSVRecordParser {
    private(set) var fields: [String] = []
    private var current: [UInt8] = []
    private var inQuotes = false
    private var quoteJustClosed = false

    /// Feeds one physical line; returns true when the record continues on the next line.
    mutating func feed(_ line: ArraySlice<UInt8>) -> Bool {
        var index = line.startIndex
        while index < line.endIndex {
            let byte = line[index]
            if self.inQuotes {
                if byte == UInt8(ascii: "\"") {
                    let next = line.index(after: index)
                    if next < line.endIndex && line[next] == UInt8(ascii: "\"") {
                        self.current.append(byte)
                        index = next
                    } else {
                        self.inQuotes = false
                        self.quoteJustClosed = true
                    }
                } else {
                    self.current.append(byte)
                }
            } else if byte == UInt8(ascii: ",") {
                self.endField()
            } else if byte == UInt8(ascii: "\"") && self.current.isEmpty && !self.quoteJustClosed {
                self.inQuotes = true
            } else {
                self.current.append(byte)
            }
            index = line.index(after: index)
        }
        if self.inQuotes { return true }
        self.endField()
        return false
    }

    /// Records the line break inside a quoted field.
    mutating func feed(newline: Void) {
        self.current.append(UInt8(ascii: "\n"))
    }

    private mutating func endField() {
        self.fields.append(String(decoding: self.current, as: UTF8.self))
        self.current.removeAll(keepingCapacity: true)
        self.quoteJustClosed = false
    }
}
