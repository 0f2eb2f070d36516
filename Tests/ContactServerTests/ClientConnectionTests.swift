import ContactCore
import ContactStore
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import ContactServer

/// A connection's reply queue and shutdown driven by its state machine, on a testing channel (thread-safe: the connection's tasks run on other threads).
@Suite struct ClientConnectionTests {
    private func connection(
        replies: Int = 8,
        grace: Duration = .seconds(10)
    ) async throws -> (ClientConnection, NIOAsyncTestingChannel) {
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: SocketAddress(unixDomainSocketPath: "/tmp/contactd-test.sock"))
        let configuration = ServerConfiguration(maxRepliesInFlight: replies, shutdownGrace: grace)
        let connection = ClientConnection(
            channel: channel,
            configuration: configuration,
            flusher: ReplyFlusher(loop: channel.eventLoop)
        )
        connection.start()
        return (connection, channel)
    }

    /// Replies come out in request order, all that are queued at once; after the client's end of
    /// input and the last reply written, the writer ends, but the channel stays open: replies handed to it may not be in the socket yet, and the server's
    /// writer closes it once they are (closing it here dropped them).
    @Test func repliesInOrderThenCloseAfterEndOfInput() async throws {
        let (connection, channel) = try await self.connection()
        for byte in 0..<3 { await connection.queue(.ready([UInt8(byte)])) }
        connection.inputEnded()
        #expect(connection.state == .draining(deadline: nil))
        let batch = try #require(await connection.nextReplies())
        var seen: [[UInt8]] = []
        for reply in batch { seen.append(await reply.resolve()) }
        #expect(seen == [[0], [1], [2]])
        connection.written(count: 3, bytes: 3)
        #expect(connection.state == .flushing(deadline: nil))
        #expect(await connection.nextReplies() == nil)
        #expect(channel.isActive)
    }

    /// A reader waiting for room goes on once the writer has sent replies.
    @Test func waitingReaderResumesAfterWrite() async throws {
        let (connection, _) = try await self.connection(replies: 2)
        await connection.queue(.ready([1]))
        let reader = Task { await connection.queue(.ready([2])) }
        let first = try #require(await connection.nextReplies())
        let rest = first.count == 2 ? [] : try #require(await connection.nextReplies())
        #expect(first.count + rest.count == 2)
        connection.written(count: 2, bytes: 2)
        await reader.value
    }

    /// When writing fails, a waiting reader is released, later replies are dropped and the writer stops.
    @Test func writeFailureReleasesTheReader() async throws {
        let (connection, channel) = try await self.connection(replies: 1)
        let reader = Task { await connection.queue(.ready([1])) }
        _ = try #require(await connection.nextReplies())
        connection.writeFailed()
        await reader.value
        await connection.queue(.ready([2]))
        #expect(await connection.nextReplies() == nil)
        await channel.testingEventLoop.run()
        #expect(!channel.isActive)
    }

    /// At shutdown the input is closed; a client that never reads is closed when the grace
    /// period has passed on the event loop's clock, not before.
    @Test func shutdownClosesANonReadingClientAtTheDeadline() async throws {
        let (connection, channel) = try await self.connection(grace: .seconds(10))
        await connection.queue(.ready([1]))
        connection.beginShutdown()
        #expect(connection.isShuttingDown)
        connection.inputEnded()
        await channel.testingEventLoop.advanceTime(by: .seconds(9))
        #expect(connection.state != .closed)
        await channel.testingEventLoop.advanceTime(by: .seconds(2))
        #expect(connection.state == .closed)
        #expect(!channel.isActive)
    }

    /// A connection waiting for a client that half-closed and does not read its last replies is
    /// closed at the shutdown deadline, so it cannot hold the daemon's exit.
    @Test func shutdownClosesAFlushingConnectionAtTheDeadline() async throws {
        let (connection, channel) = try await self.connection(grace: .seconds(5))
        await connection.queue(.ready([1]))
        connection.inputEnded()
        _ = try #require(await connection.nextReplies())
        connection.written(count: 1, bytes: 1)
        #expect(connection.state == .flushing(deadline: nil))
        connection.beginShutdown()
        await channel.testingEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .seconds(2))
        #expect(connection.state == .closed)
        #expect(!channel.isActive)
    }

    /// Starts a writer that waits for replies, and returns once it waits.
    private func idleWriter(_ connection: ClientConnection) async -> Task<[PendingReply]?, Never> {
        let writer = Task { await connection.nextReplies() }
        while !connection.writerIsIdle { await Task.yield() }
        return writer
    }

    /// The bytes the channel was handed, as text.
    private func sent(_ channel: NIOAsyncTestingChannel) async throws -> String {
        var text = ""
        while var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    /// A reply that needs no waiting goes to the channel at once when the writer is idle, and
    /// leaves when the loop's turn ends: the writer is not woken, and once the channel has
    /// written it the connection may close.
    @Test func readyReplyIsWrittenAtOnceWhenTheWriterIsIdle() async throws {
        let (connection, channel) = try await self.connection()
        let flushes = CountedFlushes()
        try await channel.pipeline.addHandler(flushes, position: .first)
        let writer = await self.idleWriter(connection)
        // Both answers in one turn of the loop, as the server answers the requests of one read.
        let flushesInTheTurn = await Task(executorPreference: EventLoopTaskExecutor(loop: channel.eventLoop)) {
            await connection.answer(.ready(Array("one".utf8)))
            await connection.answer(.ready(Array("two".utf8)))
            return flushes.count
        }.value
        // Handed to the channel at once; flushed when the loop's turn ended.
        #expect(flushesInTheTurn == 0)
        await channel.testingEventLoop.run()
        #expect(try await self.sent(channel) == "one\ntwo\n")
        #expect(connection.writerIsIdle)
        connection.inputEnded()
        #expect(connection.state == .flushing(deadline: nil))
        #expect(await writer.value == nil)
    }

    /// A reply behind one that waits for its journal record waits too, and the writer sends both
    /// in request order.
    @Test func replyBehindAWaitingOneKeepsItsPlace() async throws {
        let (connection, channel) = try await self.connection()
        let log = HeldLog()
        let writer = await self.idleWriter(connection)
        await connection.answer(
            .durable(body: Array("first".utf8), replayed: false, requestId: nil, log: log, sequence: 1)
        )
        let batch = try #require(await writer.value)
        #expect(batch.count == 1)
        // The writer has the first reply in hand (resolving it): the second is queued behind it.
        await connection.answer(.ready(Array("second".utf8)))
        #expect(try await self.sent(channel) == "")
        log.makeDurable()
        var seen = [String(decoding: await batch[0].resolve(), as: UTF8.self)]
        connection.written(count: 1, bytes: 5)
        for reply in try #require(await connection.nextReplies()) {
            seen.append(String(decoding: await reply.resolve(), as: UTF8.self))
        }
        let first = ResponseWriter.complete(body: Array("first".utf8), replayed: false, requestId: nil)
        #expect(seen == [String(decoding: first, as: UTF8.self), "second"])
    }

    /// At the limit of replies in flight, the reader waits after a reply written at once until the
    /// channel has written it. The reader runs on the channel's event loop, as the server runs it.
    @Test func readerAtTheLimitWaitsForTheWriteAtOnce() async throws {
        let channel = NIOAsyncTestingChannel()
        try await channel.connect(to: SocketAddress(unixDomainSocketPath: "/tmp/contactd-test.sock"))
        let held = HeldWrites()
        try await channel.pipeline.addHandler(held, position: .first)
        let configuration = ServerConfiguration(maxRepliesInFlight: 1, shutdownGrace: .seconds(10))
        let connection = ClientConnection(
            channel: channel,
            configuration: configuration,
            flusher: ReplyFlusher(loop: channel.eventLoop)
        )
        connection.start()
        let writer = await self.idleWriter(connection)
        let answered = Mutex(false)
        let reader = Task(executorPreference: EventLoopTaskExecutor(loop: channel.eventLoop)) {
            await connection.answer(.ready([1]))
            answered.withLock { $0 = true }
        }
        while held.count == 0 { await Task.yield() }
        for _ in 0..<100 { await Task.yield() }
        #expect(!answered.withLock { $0 })
        try await channel.eventLoop.submit { held.completeAll() }.get()
        await reader.value
        #expect(answered.withLock { $0 })
        connection.inputEnded()
        #expect(connection.state == .flushing(deadline: nil))
        #expect(await writer.value == nil)
    }
}

/// A change log whose records stay pending until the test makes them durable.
private final class HeldLog: ChangeLog {
    private let durable = Mutex(false)
    private let waiters = Mutex<[CheckedContinuation<Void, Never>]>([])

    func append(_ changes: ChangeSet, expectedLosses: Int?) throws(StoreError) -> UInt64 { 1 }

    func waitUntilDurable(_ ticket: UInt64) async throws(StoreError) {
        await withCheckedContinuation { continuation in
            let now = self.durable.withLock { $0 }
            if now { continuation.resume() } else { self.waiters.withLock { $0.append(continuation) } }
        }
    }

    func status(of ticket: UInt64) -> RecordStatus { self.durable.withLock { $0 } ? .durable : .pending }

    var losses: Int { 0 }

    var failure: StoreError? { nil }

    func makeDurable() {
        self.durable.withLock { $0 = true }
        for waiter in self.waiters.withLock({ waiters in
            defer { waiters = [] }
            return waiters
        }) { waiter.resume() }
    }
}

/// An outbound handler that holds every write's promise until the test completes them.
private final class HeldWrites: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    private let promises = Mutex<[EventLoopPromise<Void>]>([])

    var count: Int { self.promises.withLock { $0.count } }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if let promise { self.promises.withLock { $0.append(promise) } }
        context.write(data, promise: nil)
    }

    func completeAll() {
        for promise in self.promises.withLock({ promises in
            defer { promises = [] }
            return promises
        }) {
            promise.succeed()
        }
    }
}

/// An outbound handler that counts the flushes that pass it.
private final class CountedFlushes: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    private let flushes = Mutex(0)

    var count: Int { self.flushes.withLock { $0 } }

    func flush(context: ChannelHandlerContext) {
        self.flushes.withLock { $0 += 1 }
        context.flush()
    }
}
