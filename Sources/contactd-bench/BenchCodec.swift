import NIOCore

/// How requests for one kind of server are written and its replies read.
///
/// Implementations pre-build every constant byte of a request at start, so writing one is a few
/// copies and the digits of the ids; a generic `LoadHandler` is specialised for each of them.
protocol BenchCodec: Sendable {
    associatedtype Scanner: ReplyScanner

    /// A fresh reply scanner for one connection.
    func makeScanner() -> Scanner

    /// About how many bytes a request for `contacts` contacts takes (for the buffer's capacity).
    func requestCapacity(contacts: Int) -> Int

    /// Appends write request number `number` for the contacts `ids` to `buffer`.
    func writeRequest(number: Int, ids: [Int], into buffer: inout ByteBuffer)

    /// About how many bytes a read batch of `contacts` ids takes.
    func readRequestCapacity(contacts: Int) -> Int

    /// Appends a read batch of the contacts `ids` (one `contacts.get` / `HGETALL` each, pipelined).
    func writeReadRequest(ids: [Int], into buffer: inout ByteBuffer)
}

/// Reads replies off a connection's byte stream, one batch at a time.
protocol ReplyScanner {
    /// The outcome of the oldest batch in flight (`request`) once all of its reply bytes are in;
    /// nil when more bytes are needed (what was read so far is consumed).
    mutating func next(from buffer: inout ByteBuffer, request: SentRequest) -> ReplyOutcome?
}
