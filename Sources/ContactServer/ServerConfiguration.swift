public import ContactCore

/// How the server serves connections.
public struct ServerConfiguration: Sendable {
    /// The protocol limits.
    public var limits: ProtocolLimits
    /// The most open connections; more are answered with 503 and closed.
    public var maxConnections: Int
    /// Replies a connection may have queued before the server stops reading from it.
    public var maxRepliesInFlight: Int
    /// Bytes of replies (beyond the first) a connection may have queued before the server stops
    /// reading from it.
    public var maxReplyBytesInFlight: Int
    /// How long shutdown waits for clients that do not read their replies.
    public var shutdownGrace: Duration

    /// The most buffer capacity a connection keeps between requests (PROTOCOL.md section 1:
    /// an idle connection holds about 64 KiB at most); a larger buffer is released once handled.
    public static let idleBufferBytes = 32 << 10

    /// A configuration with the documented defaults.
    public init(
        limits: ProtocolLimits = ProtocolLimits(),
        maxConnections: Int = 1024,
        maxRepliesInFlight: Int = 128,
        maxReplyBytesInFlight: Int = 4 << 20,
        shutdownGrace: Duration = .seconds(10)
    ) {
        self.limits = limits
        self.maxConnections = maxConnections
        self.maxRepliesInFlight = maxRepliesInFlight
        self.maxReplyBytesInFlight = maxReplyBytesInFlight
        self.shutdownGrace = shutdownGrace
    }
}
