public import Logging
public import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle
import Synchronization

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
    /// The connections being served, closed at graceful shutdown.
    private let open = OpenChannels()

    /// Channels open now; once ``closeAll()`` ran, new ones are refused.
    private final class OpenChannels: Sendable {
        private struct State {
            var channels: [ObjectIdentifier: any Channel] = [:]
            var shuttingDown = false
        }
        private let state = Mutex(State())

        /// Adds `channel` and forgets it when it closes; false once shutting down.
        func admit(_ channel: any Channel) -> Bool {
            let id = ObjectIdentifier(channel)
            let admitted = self.state.withLock { state in
                if !state.shuttingDown { state.channels[id] = channel }
                return !state.shuttingDown
            }
            if admitted {
                channel.closeFuture.whenComplete { _ in _ = self.state.withLock { $0.channels.removeValue(forKey: id) }
                }
            }
            return admitted
        }

        /// Refuses new channels and closes the open ones.
        func closeAll() async {
            let open = self.state.withLock { state in
                state.shuttingDown = true
                return Array(state.channels.values)
            }
            for channel in open { try? await channel.close() }
        }
    }

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

    /// Binds every endpoint, then serves until graceful shutdown; then closes the listeners and
    /// every open metrics connection (a scraper that sends nothing must not hold the exit).
    public func run() async throws {
        var listeners: [any Channel] = []
        var sockets: [ListeningSocket] = []
        defer { for socket in sockets { socket.removeOwnedPath() } }
        let open = self.open
        let respond: @Sendable (HTTPRequestHead) async -> (HTTPResponseStatus, [UInt8]) = { head in
            await self.response(to: head)
        }
        let bootstrap = ServerBootstrap(group: self.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard open.admit(channel) else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(respond: respond))
                }
            }
        do {
            for endpoint in self.endpoints {
                switch endpoint {
                case .unix(let path, let mode):
                    let socket = try ListeningSocket.open(.path(path, mode: mode))
                    sockets.append(socket)
                    listeners.append(try await bootstrap.withBoundSocket(socket.descriptor).get())
                    self.logger.info("serving metrics", metadata: ["socket": "\(path)"])
                case .tcp(let host, let port):
                    listeners.append(try await bootstrap.bind(host: host, port: port).get())
                    self.logger.info("serving metrics", metadata: ["listen": "\(host):\(port)"])
                }
            }
            try await gracefulShutdown()
        } catch {
            try? await self.close(listeners)
            throw error
        }
        try await self.close(listeners)
    }

    private func close(_ listeners: [any Channel]) async throws {
        for listener in listeners { try? await listener.close() }
        await self.open.closeAll()
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
