import ContactCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

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
        let connections = self.connections
        let serverChannel = try await ServerBootstrap(group: self.group)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(NIOBSDSocket.Handle(socket.descriptor)) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(
                            LineFrameDecoder(maxLineBytes: maxLineBytes, isStopping: { connections.isStopping })
                        )
                    )
                    return try NIOAsyncChannel<LineFrame, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8))
                    )
                }
            }
        self.logger.info("accepting connections", metadata: ["socket": "\(socket.ownedPath ?? "(socket-activated)")"])
        self.onReady()
        let grace = self.configuration.shutdownGrace
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await serverChannel.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            serverChannel.channel.close(promise: nil)
            connections.stopReading()
            Task {
                try? await Task.sleep(for: grace)
                connections.closeAll()
            }
        }
        self.logger.info("all connections closed")
    }

    private func serve(_ connection: NIOAsyncChannel<LineFrame, ByteBuffer>) async {
        let channel = connection.channel
        guard self.connections.admit(channel, limit: self.configuration.maxConnections) else {
            let refusal = ResponseWriter.failure(
                .serviceUnavailable,
                message: "too many connections (limit \(self.configuration.maxConnections)) or shutting down",
                requestId: nil
            )
            try? await connection.executeThenClose { _, outbound in
                try await outbound.write(ByteBuffer(bytes: refusal + [UInt8(ascii: "\n")]))
            }
            return
        }
        defer { self.connections.remove(channel) }
        let queue = ReplyQueue(capacity: self.configuration.maxRepliesInFlight)
        let dispatcher = self.dispatcher
        do {
            try await connection.executeThenClose { inbound, outbound in
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask {
                        defer { queue.close() }
                        var buffer = channel.allocator.buffer(capacity: 4096)
                        while let batch = await queue.takeAll() {
                            buffer.clear()
                            for reply in batch {
                                buffer.writeBytes(await reply.resolve())
                                buffer.writeInteger(UInt8(ascii: "\n"))
                            }
                            try await outbound.write(buffer)
                            // A large reply's buffer is not kept for the next one (section 1).
                            if buffer.capacity > ServerConfiguration.idleBufferBytes {
                                buffer = channel.allocator.buffer(capacity: 4096)
                            }
                        }
                    }
                    var keyCache = Dispatcher.KeyCache()
                    do {
                        for try await frame in inbound {
                            await queue.put(await dispatcher.dispatch(frame, keyCache: &keyCache))
                        }
                    } catch {
                        self.logger.debug("read failed: \(error)")
                    }
                    queue.finish()
                }
            }
        } catch {
            self.logger.debug("connection ended: \(error)")
        }
    }
}
