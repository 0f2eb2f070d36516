import NIOCore

/// A request line on its way to the server, with the promise its response line fulfils.
struct PendingRequest: Sendable {
    /// The request, ending with `\n`.
    var line: ByteBuffer
    /// Succeeds with the response line (without `\n`), fails when the connection ends first.
    var response: EventLoopPromise<ByteBuffer>
}
