/// Physical lines of an input, numbered from 1: `\n` ends a line, a `\r` before it is dropped,
/// a UTF-8 byte-order mark at the start is skipped, and bytes after the last `\n` are a final line.
struct LineInput {
    private var input: ChunkedInput
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanned = 0
    private var finished = false
    /// The number of the line last returned.
    private(set) var lineNumber = 0

    /// Lines of `input`.
    init(_ input: ChunkedInput) {
        self.input = input
    }

    /// The next line without its end, or nil after the last.
    mutating func nextLine() throws(ChunkedInput.ReadError) -> ArraySlice<UInt8>? {
        while true {
            if let newline = self.buffer[(self.start + self.scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                return self.take(upTo: newline, skipping: 1)
            }
            self.scanned = self.buffer.count - self.start
            if self.finished {
                guard self.start < self.buffer.count else { return nil }
                return self.take(upTo: self.buffer.count, skipping: 0)
            }
            if self.start > 0 {
                self.buffer.removeFirst(self.start)
                self.start = 0
            }
            if let chunk = try self.input.nextChunk() {
                let wasEmpty = self.lineNumber == 0 && self.buffer.isEmpty
                self.buffer.append(contentsOf: chunk)
                if wasEmpty, self.buffer.starts(with: [0xEF, 0xBB, 0xBF]) {
                    self.buffer.removeFirst(3)
                }
            } else {
                self.finished = true
            }
        }
    }

    private mutating func take(upTo end: Int, skipping: Int) -> ArraySlice<UInt8> {
        var line = self.buffer[self.start..<end]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        self.start = end + skipping
        self.scanned = 0
        self.lineNumber += 1
        return line
    }
}
