public import NIOCore
public import NIOPosix

/// Where the daemon is, how to authenticate, and how the client behaves.
public struct ClientConfiguration: Sendable {
    /// The daemon's Unix socket.
    public var socketPath: String
    /// The API key; it selects the project every call works on.
    public var apiKey: String
    /// How many connections the client keeps (calls go to them round-robin); at least 1.
    public var connections: Int
    /// The most entries per request for ``ContactdClient/bulkUpsert(_:)``; the daemon's
    /// `--max-batch` (default 50).
    public var maxBatch: Int
    /// How many requests ``ContactdClient/bulkUpsert(_:)`` keeps in flight per connection.
    public var pipelineDepth: Int
    /// How long a call waits for its response before the connection is closed and the call
    /// fails with ``ContactClientError/timedOut(_:)`` (and is retried); nil waits for ever.
    public var requestTimeout: Duration?
    /// How long a connection attempt may take.
    public var connectTimeout: Duration
    /// When and how failed calls are retried.
    public var retry: RetryPolicy
    /// The event loops the connections run on (default NIO's shared singleton group).
    public var eventLoopGroup: any EventLoopGroup

    /// A configuration for the daemon at `socketPath` with `apiKey`, and defaults for the rest:
    /// 2 connections, batches of 50, 8 requests in flight per connection, a 30 s request timeout,
    /// a 5 s connect timeout and ``RetryPolicy/default``.
    public init(
        socketPath: String,
        apiKey: String,
        connections: Int = 2,
        maxBatch: Int = 50,
        pipelineDepth: Int = 8,
        requestTimeout: Duration? = .seconds(30),
        connectTimeout: Duration = .seconds(5),
        retry: RetryPolicy = .default,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.socketPath = socketPath
        self.apiKey = apiKey
        self.connections = Swift.max(1, connections)
        self.maxBatch = Swift.max(1, maxBatch)
        self.pipelineDepth = Swift.max(1, pipelineDepth)
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.retry = retry
        self.eventLoopGroup = eventLoopGroup
    }
}
