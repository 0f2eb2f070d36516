import NIOCore

/// Pairs responses with requests on one pipelined connection.
///
/// The server answers the requests of a connection in order, so each response line completes the
/// oldest outstanding request. When the connection ends or fails, every outstanding request fails
/// with ``ContactClientError/connectionClosed(_:)``; a request written after that fails at once.
/// Lives on the channel's event loop only.
final class ResponseMatcher: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = PendingRequest
    typealias OutboundOut = ByteBuffer

    private var outstanding = CircularBuffer<EventLoopPromise<ByteBuffer>>(initialCapacity: 16)
    private var closedReason: String?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = Self.unwrapOutboundIn(data)
        if let reason = self.closedReason {
            let error = ContactClientError.connectionClosed(reason)
            request.response.fail(error)
            promise?.fail(error)
            return
        }
        self.outstanding.append(request.response)
        context.write(Self.wrapOutboundOut(request.line), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = Self.unwrapInboundIn(data)
        guard let promise = self.outstanding.popFirst() else {
            self.failAll(reason: "the server sent a response to no request")
            context.close(promise: nil)
            return
        }
        promise.succeed(line)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(reason: "the server closed the connection")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failAll(reason: "\(error)")
        context.close(promise: nil)
    }

    private func failAll(reason: String) {
        if self.closedReason == nil { self.closedReason = reason }
        let error = ContactClientError.connectionClosed(reason)
        while let promise = self.outstanding.popFirst() {
            promise.fail(error)
        }
    }
}
