import NIOCore
import NIOHTTP1

/// Answers each HTTP request of a metrics connection with `respond`'s status and body, then
/// closes the connection.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let respond: @Sendable (HTTPRequestHead) async -> (HTTPResponseStatus, [UInt8])
    private var head: HTTPRequestHead?

    /// A handler answering with `respond`.
    init(respond: @escaping @Sendable (HTTPRequestHead) async -> (HTTPResponseStatus, [UInt8])) {
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head = self.head else {
                context.close(promise: nil)
                return
            }
            self.head = nil
            let promise = context.eventLoop.makePromise(of: (HTTPResponseStatus, [UInt8]).self)
            let respond = self.respond
            promise.completeWithTask { await respond(head) }
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { status, body in
                bound.value.handler.write(
                    status: status,
                    body: body,
                    version: head.version,
                    context: bound.value.context
                )
            }
        }
    }

    private func write(status: HTTPResponseStatus, body: [UInt8], version: HTTPVersion, context: ChannelHandlerContext)
    {
        var headers = HTTPHeaders()
        headers.add(
            name: "Content-Type",
            value: status == .ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8"
        )
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        context.write(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))),
            promise: nil
        )
        context.write(
            self.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))),
            promise: nil
        )
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
