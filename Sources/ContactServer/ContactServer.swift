import ContactCore
public import Logging
public import NIOCore
import NIOPosix
public import ServiceLifecycle

/// Serves PROTOCOL.md on a listening Unix socket until graceful shutdown: then it stops
/// accepting, stops reading, answers every request already read (waiting at most
/// ``ServerConfiguration/shutdownGrace`` for clients that do not read) and returns.
public final class ContactServer: Service {
    private let socket: ListeningSocket.Source
    private let dispatcher: Dispatcher
    private let configuration: ServerConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let connections = ConnectionRegistry()
    private let onReady: @Sendable () -> Void

    /// A server for `socket`, running requests through `dispatcher`; `onReady` runs once it accepts.
    ///
    /// The socket is bound when ``run()`` starts, after the service group traps SIGTERM and SIGINT,
    /// so that a signal at any moment after the socket file appears stops the daemon cleanly.
    public init(
        socket: ListeningSocket.Source,
        dispatcher: Dispatcher,
        configuration: ServerConfiguration,
        group: any EventLoopGroup,
        logger: Logger,
        onReady: @escaping @Sendable () -> Void = {}
    ) {
        self.socket = socket
        self.dispatcher = dispatcher
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.onReady = onReady
    }

    /// The number of open connections.
    public var connectionCount: Int { self.connections.count }

    /// Accepts and serves connections until graceful shutdown; removes the socket file it bound.
    public func run() async throws {
        let socket = try ListeningSocket.open(self.socket)
        defer { socket.removeOwnedPath() }
        let maxLineBytes = self.configuration.limits.maxLineBytes
        let configuration = self.configuration
        // One flusher and one executor per loop: a connection's tasks run on the loop of its
        // channel, and its replies leave with the others of the loop's turn.
        var flushers: [ObjectIdentifier: ReplyFlusher] = [:]
        var executors: [ObjectIdentifier: EventLoopTaskExecutor] = [:]
        for loop in self.group.makeIterator() {
            flushers[ObjectIdentifier(loop)] = ReplyFlusher(loop: loop)
            executors[ObjectIdentifier(loop)] = EventLoopTaskExecutor(loop: loop)
        }
        let loopFlushers = flushers
        let serverChannel = try await ServerBootstrap(group: self.group)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(NIOBSDSocket.Handle(socket.descriptor)) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = ClientConnection(
                        channel: channel,
                        configuration: configuration,
                        flusher: loopFlushers[ObjectIdentifier(channel.eventLoop)]!
                    )
                    let inbox = LineInbox(channel: channel)
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(
                            LineFrameDecoder(maxLineBytes: maxLineBytes, isStopping: { connection.isShuttingDown })
                        )
                    )
                    // The lines stop in the inbox (which bounds them): the async channel only writes replies.
                    try channel.pipeline.syncOperations.addHandler(inbox.makeHandler())
                    let asyncChannel = try NIOAsyncChannel<Never, ByteBuffer>(wrappingChannelSynchronously: channel)
                    return ServedConnection(channel: asyncChannel, connection: connection, inbox: inbox)
                }
            }
        self.logger.info("accepting connections", metadata: ["socket": "\(socket.ownedPath ?? "(socket-activated)")"])
        self.onReady()
        let connections = self.connections
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await serverChannel.executeThenClose { inbound in
                    for try await served in inbound {
                        let executor = executors[ObjectIdentifier(served.channel.channel.eventLoop)]
                        group.addTask(executorPreference: executor) { await self.serve(served) }
                    }
                }
            }
        } onGracefulShutdown: {
            serverChannel.channel.close(promise: nil)
            connections.beginShutdown()
        }
        self.logger.info("all connections closed")
    }

    /// Runs one connection: a reader that runs its requests in order and a writer that sends the
    /// replies in the same order, both reporting to its ``ClientConnection``.
    private func serve(_ served: ServedConnection) async {
        let (asyncChannel, connection, inbox) = (served.channel, served.connection, served.inbox)
        guard self.connections.admit(connection, limit: self.configuration.maxConnections) else {
            let refusal = ResponseWriter.failure(
                .serviceUnavailable,
                message: "too many connections (limit \(self.configuration.maxConnections)) or shutting down",
                requestId: nil
            )
            try? await asyncChannel.executeThenClose { _, outbound in
                try await outbound.write(ByteBuffer(bytes: refusal + [UInt8(ascii: "\n")]))
            }
            return
        }
        self.dispatcher.metrics.connectionOpened()
        defer {
            self.connections.remove(connection)
            self.dispatcher.metrics.connectionClosed()
        }
        connection.start()
        let dispatcher = self.dispatcher
        do {
            try await asyncChannel.executeThenClose { _, outbound in
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask {
                        do {
                            try await Self.writeReplies(of: connection, to: outbound)
                        } catch {
                            connection.writeFailed()
                        }
                    }
                    var keyCache = Dispatcher.KeyCache()
                    do {
                        while let frame = try await inbox.next() {
                            await connection.answer(await dispatcher.dispatch(frame, keyCache: &keyCache))
                        }
                    } catch {
                        self.logger.debug("read failed: \(error)")
                    }
                    connection.inputEnded()
                }
            }
        } catch {
            self.logger.debug("connection ended: \(error)")
        }
    }

    /// Writes the connection's replies in order, each batch with one flush, until it is done.
    private static func writeReplies(
        of connection: ClientConnection,
        to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        var buffer = connection.channel.allocator.buffer(capacity: 4096)
        while let batch = await connection.nextReplies() {
            buffer.clear()
            for reply in batch {
                buffer.writeBytes(await reply.resolve())
                buffer.writeInteger(UInt8(ascii: "\n"))
            }
            try await outbound.write(buffer)
            // A large reply's buffer is not kept for the next one (section 1).
            if buffer.capacity > ServerConfiguration.idleBufferBytes {
                buffer = connection.channel.allocator.buffer(capacity: 4096)
            }
            connection.written(count: batch.count, bytes: batch.reduce(0) { $0 + $1.size })
        }
        // The writer hands replies to the channel, which writes them to the socket as the client
        // reads; the channel closes when this returns, and a close drops what it still holds. An
        // empty write completes after every write before it: the last reply is in the socket then.
        try await connection.channel.writeAndFlush(ByteBuffer()).get()
    }
}

/// A connection as the listener hands it over: the NIO channel and its state.
struct ServedConnection: Sendable {
    /// The channel's async view, for its writer: its lines go to ``inbox``.
    var channel: NIOAsyncChannel<Never, ByteBuffer>
    /// The connection's state machine and reply queue.
    var connection: ClientConnection
    /// The lines read and not yet handled.
    var inbox: LineInbox
}
