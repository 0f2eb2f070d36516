import NIOCore

/// Flushes the replies written during one turn of an event loop together, at the end of the turn,
/// in the order they were written.
///
/// A loop turn reads every connection that has a request and runs those requests one after
/// another. Flushed one at a time, the first replies of a turn reach their clients while the turn
/// still runs, their next requests arrive before it ends and are served in the very next turn,
/// while the turn's last replies arrive too late for it; with clients that wait for each reply,
/// the connections served first stay first, and the others wait for two turns (measured: 263 to
/// 480 requests per connection in one run of 32, p99 twice the median).
/// Flushed together at the end of the turn, every reply leaves at once, as a single-threaded
/// server such as Redis sends its replies before it next waits for input, and every connection
/// gets one request served per round.
final class ReplyFlusher: Sendable {
    /// The loop whose channels this flusher serves.
    let loop: any EventLoop
    /// The channels with replies written and not flushed yet, once per write, in write order (a
    /// second flush of a channel finds nothing left to send); only touched on ``loop``.
    private let pending: NIOLoopBoundBox<[any Channel]>

    /// A flusher for the channels of `loop`.
    init(loop: any EventLoop) {
        self.loop = loop
        self.pending = NIOLoopBoundBox.makeBoxSendingValue([], as: [any Channel].self, eventLoop: loop)
    }

    /// Writes `buffer` to `channel` (one of the loop's) now and flushes it at the end of the
    /// current turn of the loop; `promise` completes once the bytes are written to the socket.
    /// Only on the loop.
    func write(_ buffer: ByteBuffer, to channel: any Channel, promise: EventLoopPromise<Void>?) {
        channel.write(buffer, promise: promise)
        let first = self.pending.value.isEmpty
        self.pending.value.append(channel)
        // The task goes after every task already queued: the rest of the turn's requests, whose
        // replies join this flush.
        if first { self.loop.execute { self.flushAll() } }
    }

    private func flushAll() {
        let channels = self.pending.value
        self.pending.value.removeAll(keepingCapacity: true)
        for channel in channels { channel.flush() }
    }
}
