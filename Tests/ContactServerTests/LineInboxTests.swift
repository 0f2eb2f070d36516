import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import ContactServer

/// The lines between a connection's channel and its reader, on NIO's async testing channel (its
/// loop may be used from any thread, as the reader task does): order, the end of input, read
/// failures and the reads held while too many lines wait.
@Suite struct LineInboxTests {
    /// Counts the reads that reach the socket's side of the pipeline.
    private final class ReadCounter: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = Never
        let reads = Mutex(0)

        func read(context: ChannelHandlerContext) {
            self.reads.withLock { $0 += 1 }
            context.read()
        }
    }

    /// A testing channel with a read counter, then an inbox's handler.
    private func inbox(low: Int = 2, high: Int = 4) async throws -> (LineInbox, NIOAsyncTestingChannel, ReadCounter) {
        let counter = ReadCounter()
        let channel = await NIOAsyncTestingChannel(handler: counter)
        let inbox = LineInbox(channel: channel, lowWatermark: low, highWatermark: high)
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(inbox.makeHandler())
        }
        return (inbox, channel, counter)
    }

    /// The reads counted once everything asked of the channel's loop so far has run.
    private func reads(_ counter: ReadCounter, on channel: NIOAsyncTestingChannel) async throws -> Int {
        try await channel.testingEventLoop.executeInContext {}
        return counter.reads.withLock { $0 }
    }

    private func read(_ channel: NIOAsyncTestingChannel) async throws {
        try await channel.testingEventLoop.executeInContext { channel.read() }
    }

    private func fire(_ channel: NIOAsyncTestingChannel, _ event: ChannelEvent) async throws {
        try await channel.testingEventLoop.executeInContext { channel.pipeline.fireUserInboundEventTriggered(event) }
    }

    private func line(_ text: String) -> LineFrame {
        .line(ByteBuffer(string: text))
    }

    private func text(_ frame: LineFrame?) -> String? {
        guard case .line(let buffer)? = frame else { return frame == nil ? nil : "(too long)" }
        return String(buffer: buffer)
    }

    /// Lines come out in the order read, a too-long marker among them, and nothing goes past the
    /// inbox to the next handler.
    @Test func linesInOrder() async throws {
        let (inbox, channel, _) = try await self.inbox(high: 8)
        try await channel.writeInbound(self.line("a"))
        try await channel.writeInbound(LineFrame.tooLong)
        try await channel.writeInbound(self.line("b"))
        #expect(self.text(try await inbox.next()) == "a")
        #expect(self.text(try await inbox.next()) == "(too long)")
        #expect(self.text(try await inbox.next()) == "b")
        #expect(try await channel.readInbound(as: LineFrame.self) == nil)
    }

    /// A reader waiting for a line gets it once the read burst that brought it completes.
    @Test func waitingReaderGetsTheNextLine() async throws {
        let (inbox, channel, _) = try await self.inbox()
        let reader = Task { try await inbox.next() }
        try await Task.sleep(for: .milliseconds(20))
        try await channel.writeInbound(self.line("late"))  // fires channelRead, then channelReadComplete
        #expect(self.text(try await reader.value) == "late")
    }

    /// When the client closes its side, the lines read before still come out, then nil, for
    /// every later call too.
    @Test func endOfInputAfterTheLines() async throws {
        let (inbox, channel, _) = try await self.inbox()
        try await channel.writeInbound(self.line("last"))
        try await self.fire(channel, .inputClosed)
        #expect(self.text(try await inbox.next()) == "last")
        #expect(try await inbox.next() == nil)
        #expect(try await inbox.next() == nil)
    }

    /// A reader waiting when the channel closes gets nil.
    @Test func closeReleasesAWaitingReader() async throws {
        let (inbox, channel, _) = try await self.inbox()
        let reader = Task { try await inbox.next() }
        try await Task.sleep(for: .milliseconds(20))
        _ = try await channel.finish()
        #expect(try await reader.value == nil)
    }

    /// A read error comes out after the lines read before it.
    @Test func readFailureAfterTheLines() async throws {
        struct Broken: Error {}
        let (inbox, channel, _) = try await self.inbox()
        try await channel.writeInbound(self.line("kept"))
        try await channel.testingEventLoop.executeInContext { channel.pipeline.fireErrorCaught(Broken()) }
        #expect(self.text(try await inbox.next()) == "kept")
        await #expect(throws: Broken.self) { try await inbox.next() }
    }

    /// Reads pass while fewer lines than the high watermark wait; at it, a read is held (the
    /// client's further requests stay in the socket) until the reader has taken enough lines to
    /// leave fewer than the low watermark, and then it goes on once.
    @Test func readsHeldAtTheHighWatermark() async throws {
        let (inbox, channel, counter) = try await self.inbox(low: 2, high: 4)
        try await self.read(channel)
        #expect(try await self.reads(counter, on: channel) == 1)
        for index in 0..<4 { try await channel.writeInbound(self.line("\(index)")) }
        try await self.read(channel)
        #expect(try await self.reads(counter, on: channel) == 1)  // held: 4 lines wait
        #expect(self.text(try await inbox.next()) == "0")
        #expect(self.text(try await inbox.next()) == "1")
        #expect(try await self.reads(counter, on: channel) == 1)  // 2 wait: not under the low watermark yet
        #expect(self.text(try await inbox.next()) == "2")
        #expect(try await self.reads(counter, on: channel) == 2)  // 1 waits: the held read goes on
        #expect(self.text(try await inbox.next()) == "3")
        #expect(try await self.reads(counter, on: channel) == 2)  // nothing was held any more
        try await self.read(channel)
        #expect(try await self.reads(counter, on: channel) == 3)
    }
}
