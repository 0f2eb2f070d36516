/// A request refused as a whole: its status, a sentence a person can act on, and the
/// `requestId` to echo (nil when the request had none or its `requestId` was itself invalid).
public struct RequestFailure: Error, Sendable, Equatable {
    /// The status code (never 200).
    public var status: Status
    /// What is wrong.
    public var message: String
    /// The id to echo.
    public var requestId: RequestID?

    /// A failure with `status` saying `message`.
    public init(_ status: Status, _ message: String, requestId: RequestID? = nil) {
        self.status = status
        self.message = message
        self.requestId = requestId
    }

    /// The response line's JSON text (without the final newline).
    public var response: [UInt8] {
        ResponseWriter.failure(self.status, message: self.message, requestId: self.requestId)
    }
}
