import NIOCore
import NIOEmbedded
import Testing

@testable import ContactServer

/// A connection's reply queue and shutdown driven by its state machine, on an embedded channel.
@Suite struct ClientConnectionTests {
    private func connection(
        replies: Int = 8,
        grace: Duration = .seconds(10)
    ) throws -> (ClientConnection, EmbeddedChannel) {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(unixDomainSocketPath: "/tmp/contactd-test.sock")).wait()
        let configuration = ServerConfiguration(maxRepliesInFlight: replies, shutdownGrace: grace)
        let connection = ClientConnection(channel: channel, configuration: configuration)
        connection.start()
        return (connection, channel)
    }

    /// Replies come out in request order, all that are queued at once; after the client's end of
    /// input and the last reply written, the writer ends, but the channel stays open: replies handed to it may not be in the socket yet, and the server's
    /// writer closes it once they are (closing it here dropped them).
    @Test func repliesInOrderThenCloseAfterEndOfInput() async throws {
        let (connection, channel) = try self.connection()
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
        let (connection, _) = try self.connection(replies: 2)
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
        let (connection, channel) = try self.connection(replies: 1)
        let reader = Task { await connection.queue(.ready([1])) }
        _ = try #require(await connection.nextReplies())
        connection.writeFailed()
        await reader.value
        await connection.queue(.ready([2]))
        #expect(await connection.nextReplies() == nil)
        #expect(!channel.isActive)
    }

    /// At shutdown the input is closed; a client that never reads is closed when the grace
    /// period has passed on the event loop's clock, not before.
    @Test func shutdownClosesANonReadingClientAtTheDeadline() async throws {
        let (connection, channel) = try self.connection(grace: .seconds(10))
        await connection.queue(.ready([1]))
        connection.beginShutdown()
        #expect(connection.isShuttingDown)
        connection.inputEnded()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(connection.state != .closed)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(connection.state == .closed)
        #expect(!channel.isActive)
    }

    /// A connection waiting for a client that half-closed and does not read its last replies is
    /// closed at the shutdown deadline, so it cannot hold the daemon's exit.
    @Test func shutdownClosesAFlushingConnectionAtTheDeadline() async throws {
        let (connection, channel) = try self.connection(grace: .seconds(5))
        await connection.queue(.ready([1]))
        connection.inputEnded()
        _ = try #require(await connection.nextReplies())
        connection.written(count: 1, bytes: 1)
        #expect(connection.state == .flushing(deadline: nil))
        connection.beginShutdown()
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(connection.state == .closed)
        #expect(!channel.isActive)
    }
}
