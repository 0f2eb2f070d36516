import DequeModule
import NIOCore
import Synchronization

/// The request lines a connection has read and its reader task has not taken yet, in order.
///
/// Its handler (``makeHandler()``) sits in the channel after the line decoder: it keeps every line and
/// holds the channel's reads while ``highWatermark`` lines wait; ``next()`` gives them to the
/// reader and lets reads go on once fewer than ``lowWatermark`` wait. It does what NIO's async
/// inbound stream did for the connection, with one lock and no state machine of its own per line.
final class LineInbox: Sendable {
    private struct State {
        var lines: Deque<LineFrame> = []
        /// The input ended (the client closed its side, or the channel closed).
        var ended = false
        /// Why reading failed, when it did.
        var failure: (any Error)?
        /// The reader, waiting for a line or the end.
        var reader: CheckedContinuation<Void, Never>?
        /// A read the handler did not pass on because too many lines wait.
        var readHeld = false

        mutating func takeReader() -> CheckedContinuation<Void, Never>? {
            defer { self.reader = nil }
            return self.reader
        }
    }

    /// Reads stop while this many lines wait.
    let highWatermark: Int
    /// Held reads go on once fewer lines than this wait.
    let lowWatermark: Int
    private let state = Mutex(State())
    private let channel: any Channel

    /// An inbox for `channel`'s lines.
    init(channel: any Channel, lowWatermark: Int = 2, highWatermark: Int = 8) {
        precondition(lowWatermark >= 1 && lowWatermark <= highWatermark)
        self.channel = channel
        self.lowWatermark = lowWatermark
        self.highWatermark = highWatermark
    }

    /// A handler that fills this inbox; add one after the line decoder.
    func makeHandler() -> Handler { Handler(inbox: self) }

    /// The next line; nil once the input ended and every line was taken. Throws what made
    /// reading fail, after the lines read before it.
    func next() async throws -> LineFrame? {
        while true {
            let (line, resumeReading, end) = self.state.withLock { state -> (LineFrame?, Bool, Bool) in
                if let line = state.lines.popFirst() {
                    let resume = state.readHeld && state.lines.count < self.lowWatermark
                    if resume { state.readHeld = false }
                    return (line, resume, false)
                }
                return (nil, false, state.ended)
            }
            if resumeReading { self.channel.read() }
            if let line { return line }
            if end {
                if let failure = self.state.withLock({ $0.failure }) { throw failure }
                return nil
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLock { state -> Bool in
                    if !state.lines.isEmpty || state.ended { return true }
                    state.reader = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    // MARK: - The handler's side

    fileprivate func received(_ line: LineFrame) {
        self.state.withLock { $0.lines.append(line) }
    }

    /// After a read burst: wakes the reader when lines wait.
    fileprivate func readComplete() {
        let reader = self.state.withLock { state in state.lines.isEmpty ? nil : state.takeReader() }
        reader?.resume()
    }

    /// True when a read may go on now; false when it is held until the reader takes lines.
    fileprivate func mayRead() -> Bool {
        self.state.withLock { state in
            guard state.lines.count >= self.highWatermark else { return true }
            state.readHeld = true
            return false
        }
    }

    /// The input ended, with `failure` when reading failed.
    fileprivate func end(failure: (any Error)? = nil) {
        let reader = self.state.withLock { state in
            if state.failure == nil { state.failure = failure }
            state.ended = true
            return state.takeReader()
        }
        reader?.resume()
    }

    /// Keeps the lines the decoder delivers in the inbox (they go no further) and holds reads
    /// while the inbox is full.
    final class Handler: ChannelDuplexHandler {
        typealias InboundIn = LineFrame
        typealias OutboundIn = Never

        private let inbox: LineInbox

        fileprivate init(inbox: LineInbox) {
            self.inbox = inbox
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.inbox.received(Self.unwrapInboundIn(data))
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            self.inbox.readComplete()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .inputClosed? = event as? ChannelEvent { self.inbox.end() }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.inbox.end()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.inbox.end(failure: error)
            context.fireErrorCaught(error)
        }

        func read(context: ChannelHandlerContext) {
            if self.inbox.mayRead() { context.read() }
        }
    }
}
