public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle

/// Serves ``MetricsExporter/render()`` to `GET /metrics` over HTTP/1.1 on a Unix socket
/// (`--metrics`) and on TCP (`--metrics-listen`) until graceful shutdown; every other request
/// gets 404 or 405. Each connection gets one response, then is closed.
public final class MetricsServer: Service {
    /// Where the server listens.
    public enum Endpoint: Sendable {
        /// A Unix socket at a path, bound with the given permission bits (removed at exit).
        case unix(path: String, mode: UInt32)
        /// A TCP host and port.
        case tcp(host: String, port: Int)
    }

    private let endpoints: [Endpoint]
    private let exporter: MetricsExporter
    private let group: any EventLoopGroup
    private let logger: Logger

    /// A server of `exporter`'s metrics on `endpoints`.
    public init(endpoints: [Endpoint], exporter: MetricsExporter, group: any EventLoopGroup, logger: Logger) {
        self.endpoints = endpoints
        self.exporter = exporter
        self.group = group
        self.logger = logger
    }

    /// Parses `HOST:PORT` (`[::1]:9100` for IPv6); nil when it is not of that form.
    public static func parseListen(_ text: String) -> Endpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return .tcp(host: host, port: port)
    }

    private typealias HTTPChannel = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// Binds every endpoint, then serves until graceful shutdown.
    public func run() async throws {
        var channels: [NIOAsyncChannel<HTTPChannel, Never>] = []
        var ownedPaths: [ListeningSocket] = []
        defer { for socket in ownedPaths { socket.removeOwnedPath() } }
        for endpoint in self.endpoints {
            let bootstrap = ServerBootstrap(group: self.group).serverChannelOption(
                .socketOption(.so_reuseaddr),
                value: 1
            )
            let initializer: @Sendable (any Channel) -> EventLoopFuture<HTTPChannel> = { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try HTTPChannel(wrappingChannelSynchronously: channel)
                }
            }
            switch endpoint {
            case .unix(let path, let mode):
                let socket = try ListeningSocket.open(.path(path, mode: mode))
                ownedPaths.append(socket)
                channels.append(
                    try await bootstrap.bind(
                        NIOBSDSocket.Handle(socket.descriptor),
                        childChannelInitializer: initializer
                    )
                )
                self.logger.info("serving metrics", metadata: ["socket": "\(path)"])
            case .tcp(let host, let port):
                channels.append(try await bootstrap.bind(host: host, port: port, childChannelInitializer: initializer))
                self.logger.info("serving metrics", metadata: ["listen": "\(host):\(port)"])
            }
        }
        let listening = channels
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                for channel in listening {
                    group.addTask {
                        try await channel.executeThenClose { inbound in
                            try await withThrowingDiscardingTaskGroup { connections in
                                for try await connection in inbound {
                                    connections.addTask { await self.serve(connection) }
                                }
                            }
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            for channel in listening { channel.channel.close(promise: nil) }
        }
    }

    /// Answers the connection's first request, then closes it.
    private func serve(_ connection: HTTPChannel) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                    case .body:
                        continue
                    case .end:
                        guard let head else { return }
                        let (status, body) = await self.response(to: head)
                        var headers = HTTPHeaders()
                        headers.add(
                            name: "Content-Type",
                            value: status == .ok
                                ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8"
                        )
                        headers.add(name: "Content-Length", value: String(body.count))
                        headers.add(name: "Connection", value: "close")
                        try await outbound.write(
                            .head(HTTPResponseHead(version: head.version, status: status, headers: headers))
                        )
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                        try await outbound.write(.end(nil))
                        return
                    }
                }
            }
        } catch {
            self.logger.debug("metrics connection ended: \(error)")
        }
    }

    private func response(to head: HTTPRequestHead) async -> (HTTPResponseStatus, [UInt8]) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == "/metrics" else { return (.notFound, Array("not found: the metrics are at /metrics\n".utf8)) }
        guard head.method == .GET else {
            return (.methodNotAllowed, Array("only GET /metrics\n".utf8))
        }
        return (.ok, await self.exporter.render())
    }
}
