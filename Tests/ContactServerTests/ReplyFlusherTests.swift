import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import ContactServer

/// Replies written during a turn of the loop leave together when the turn ends, in write order.
@Suite struct ReplyFlusherTests {
    /// Two connections on one loop, each recording when its bytes leave.
    private func channels(count: Int) throws -> (EmbeddedEventLoop, [EmbeddedChannel], FlushLog) {
        let loop = EmbeddedEventLoop()
        let log = FlushLog()
        var channels: [EmbeddedChannel] = []
        for index in 0..<count {
            let channel = EmbeddedChannel(handler: RecordsFlushes(name: index, log: log), loop: loop)
            try channel.connect(to: SocketAddress(unixDomainSocketPath: "/tmp/contactd-test.sock")).wait()
            channels.append(channel)
        }
        return (loop, channels, log)
    }

    private func sent(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    /// Nothing leaves while the turn runs; at its end every channel written to is flushed once
    /// per write, in the order the replies were written, and the writes' promises complete.
    @Test func repliesOfATurnLeaveTogetherAtItsEndInWriteOrder() throws {
        let (loop, channels, log) = try self.channels(count: 3)
        let flusher = ReplyFlusher(loop: loop)
        let completed = Mutex(0)
        for index in [2, 0, 2, 1] {
            let promise = loop.makePromise(of: Void.self)
            promise.futureResult.whenSuccess { completed.withLock { $0 += 1 } }
            flusher.write(ByteBuffer(string: "r\(index);"), to: channels[index], promise: promise)
        }
        #expect(try channels.map(self.sent) == ["", "", ""])
        #expect(completed.withLock { $0 } == 0)
        loop.run()
        #expect(try channels.map(self.sent) == ["r0;", "r1;", "r2;r2;"])
        #expect(log.names == [2, 0, 2, 1])
        #expect(completed.withLock { $0 } == 4)
    }

    /// A reply written in the next turn is flushed at the end of that turn: the flusher starts
    /// over after each flush.
    @Test func eachTurnIsFlushedAtItsOwnEnd() throws {
        let (loop, channels, log) = try self.channels(count: 1)
        let flusher = ReplyFlusher(loop: loop)
        flusher.write(ByteBuffer(string: "a"), to: channels[0], promise: nil)
        loop.run()
        #expect(try self.sent(channels[0]) == "a")
        flusher.write(ByteBuffer(string: "b"), to: channels[0], promise: nil)
        #expect(try self.sent(channels[0]) == "")
        loop.run()
        #expect(try self.sent(channels[0]) == "b")
        #expect(log.names == [0, 0])
    }

    /// A write made by a task that runs after the flush was scheduled, in the same run of the
    /// loop, is flushed too, by a flush scheduled after it.
    @Test func aWriteAfterTheFlushIsNotLeftBehind() throws {
        let (loop, channels, _) = try self.channels(count: 2)
        let flusher = ReplyFlusher(loop: loop)
        flusher.write(ByteBuffer(string: "first"), to: channels[0], promise: nil)
        loop.execute {
            loop.execute { flusher.write(ByteBuffer(string: "late"), to: channels[1], promise: nil) }
        }
        loop.run()
        #expect(try self.sent(channels[0]) == "first")
        #expect(try self.sent(channels[1]) == "late")
    }
}

/// The order in which channels were flushed, by name.
private final class FlushLog: Sendable {
    private let flushed = Mutex<[Int]>([])
    var names: [Int] { self.flushed.withLock { $0 } }
    func record(_ name: Int) { self.flushed.withLock { $0.append(name) } }
}

/// Records each flush that reaches the channel's end.
private final class RecordsFlushes: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    let name: Int
    let log: FlushLog

    init(name: Int, log: FlushLog) {
        self.name = name
        self.log = log
    }

    func flush(context: ChannelHandlerContext) {
        self.log.record(self.name)
        context.flush()
    }
}
