import ContactCore
import DequeModule
import NIOCore
import Synchronization

/// One client connection: its ``ConnectionStateMachine`` and the replies waiting for the writer,
/// behind one lock. The reader task, the writer task, the registry (at shutdown) and the deadline
/// timer report events here; this type carries out the actions the state machine returns.
final class ClientConnection: Sendable {
    private struct Inner {
        var machine: ConnectionStateMachine
        /// Replies queued for the writer, in request order.
        var replies: Deque<PendingReply> = []
        /// The writer, waiting for a reply.
        var writer: CheckedContinuation<[PendingReply]?, Never>?
        /// The reader, waiting for room.
        var reader: CheckedContinuation<Void, Never>?

        /// The writer waits for a reply, with none queued and none in its hands.
        var writerIsIdle: Bool { self.writer != nil && self.replies.isEmpty }

        mutating func takeReader() -> CheckedContinuation<Void, Never>? {
            defer { self.reader = nil }
            return self.reader
        }

        mutating func takeWriter() -> CheckedContinuation<[PendingReply]?, Never>? {
            defer { self.writer = nil }
            return self.writer
        }
    }

    /// The socket.
    let channel: any Channel
    /// Flushes the replies written at once with the other replies of the loop's turn.
    private let flusher: ReplyFlusher
    private let inner: Mutex<Inner>

    /// A connection on `channel` with the limits and shutdown grace of `configuration`; the
    /// replies it writes at once are flushed by `flusher`, which serves the channel's loop.
    init(channel: any Channel, configuration: ServerConfiguration, flusher: ReplyFlusher) {
        precondition(flusher.loop === channel.eventLoop, "a connection's flusher serves its channel's loop")
        self.channel = channel
        self.flusher = flusher
        self.inner = Mutex(
            Inner(
                machine: ConnectionStateMachine(
                    maxReplies: configuration.maxRepliesInFlight,
                    maxBytes: configuration.maxReplyBytesInFlight,
                    grace: configuration.shutdownGrace
                )
            )
        )
    }

    /// True once the server itself began closing the input (see ``ConnectionStateMachine/isShuttingDown``).
    var isShuttingDown: Bool { self.inner.withLock { $0.machine.isShuttingDown } }

    /// Where the connection is in its life.
    var state: ConnectionStateMachine.State { self.inner.withLock { $0.machine.state } }

    /// True while the writer waits for a reply, with none queued and none in its hands.
    var writerIsIdle: Bool { self.inner.withLock { $0.writerIsIdle } }

    /// The connection starts serving.
    func start() {
        self.inner.withLock { $0.machine.start() }
    }

    // MARK: - Reader

    /// Answers the next request: writes the reply to the channel at once when it needs no waiting,
    /// no reply is queued before it and the writer is idle (the common case of a client that waits
    /// for each reply: no writer wake-up, no async writer), else queues it for the writer as
    /// ``queue(_:)`` does. Either way replies leave in request order and count against the
    /// client's limit until the channel has written them.
    func answer(_ reply: PendingReply) async {
        switch self.writeAtOnce(reply) {
        case .written: return
        case .writtenMustWait: return await self.waitForRoom()
        case .leftToWriter: return await self.queue(reply)
        }
    }

    private enum AtOnce {
        case written
        case writtenMustWait
        case leftToWriter
    }

    /// Hands `reply`'s text (and the newline) to the channel when it needs no waiting, nothing is
    /// queued before it and the writer waits for work, to be flushed at the end of the loop's turn
    /// (``ReplyFlusher``); the write's completion reports it written.
    /// The text is made only then: a reply left to the writer is completed by it.
    ///
    /// Only on the channel's event loop: there a write reaches the channel before the call
    /// returns, and so did every earlier reply of the writer, which runs on the loop too (the
    /// connection's tasks prefer the loop's executor), so replies cannot overtake each other.
    private func writeAtOnce(_ reply: PendingReply) -> AtOnce {
        guard self.channel.eventLoop.inEventLoop, reply.isComplete else { return .leftToWriter }
        let size = reply.size
        let after = self.inner.withLock { inner -> ConnectionStateMachine.AfterReply? in
            guard inner.machine.answersRequests, inner.writerIsIdle else { return nil }
            return inner.machine.replyQueued(bytes: size)
        }
        guard let after else { return .leftToWriter }
        let bytes = reply.completeText
        var buffer = self.channel.allocator.buffer(capacity: bytes.count + 1)
        buffer.writeBytes(bytes)
        buffer.writeInteger(UInt8(ascii: "\n"))
        let promise = self.channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { result in
            switch result {
            case .success: self.written(count: 1, bytes: size)
            case .failure: self.writeFailed()
            }
        }
        self.flusher.write(buffer, to: self.channel, promise: promise)
        return after == .waitForWriter ? .writtenMustWait : .written
    }

    /// Waits until the client's replies in flight are under its limit again (or the connection
    /// closed), after a reply written at once reached it.
    private func waitForRoom() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waits = self.inner.withLock { inner -> Bool in
                guard inner.machine.readerWaiting else { return false }
                inner.reader = continuation
                return true
            }
            if !waits { continuation.resume() }
        }
    }

    /// Queues the reply to the next request, waiting while the client has too many replies unread.
    /// Drops the reply when the connection has closed.
    func queue(_ reply: PendingReply) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (writer, batch, resumeNow) = self.inner.withLock {
                inner -> (CheckedContinuation<[PendingReply]?, Never>?, [PendingReply]?, Bool) in
                guard inner.machine.answersRequests else { return (nil, nil, true) }
                let after = inner.machine.replyQueued(bytes: reply.size)
                inner.replies.append(reply)
                var writer: CheckedContinuation<[PendingReply]?, Never>?
                var batch: [PendingReply]?
                if let waiting = inner.writer {
                    inner.writer = nil
                    writer = waiting
                    batch = Array(inner.replies)
                    inner.replies.removeAll()
                }
                if after == .waitForWriter {
                    inner.reader = continuation
                    return (writer, batch, false)
                }
                return (writer, batch, true)
            }
            writer?.resume(returning: batch)
            if resumeNow { continuation.resume() }
        }
    }

    /// No request will be read any more: the replies still queued are written, then the
    /// connection closes.
    func inputEnded() {
        let after = self.inner.withLock { $0.machine.inputEnded() }
        if after == .close { self.finish() }
    }

    // MARK: - Writer

    /// Every queued reply, waiting for at least one; nil once the connection is done.
    func nextReplies() async -> [PendingReply]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[PendingReply]?, Never>) in
            let ready: [PendingReply]?? = self.inner.withLock { inner in
                if !inner.replies.isEmpty {
                    let batch = Array(inner.replies)
                    inner.replies.removeAll()
                    return .some(batch)
                }
                if inner.machine.writerIsDone { return .some(nil) }
                inner.writer = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The writer sent `count` replies holding `bytes` bytes.
    func written(count: Int, bytes: Int) {
        let (after, reader) = self.inner.withLock { inner in
            let after = inner.machine.repliesWritten(count: count, bytes: bytes)
            return (after, after == .resumeReader ? inner.takeReader() : nil)
        }
        reader?.resume()
        if after == .close { self.finish() }
    }

    /// Writing to the client failed: the connection is closed and nothing more is answered.
    func writeFailed() {
        self.inner.withLock { $0.machine.writeFailed() }
        self.close()
    }

    // MARK: - Shutdown

    /// The server begins to shut down: stop reading, and give the client until the deadline.
    func beginShutdown() {
        let now = ContinuousClock.now
        let after = self.inner.withLock { $0.machine.shutdownBegan(now: now) }
        switch after {
        case .closeInput(let deadline):
            self.channel.close(mode: .input, promise: nil)
            self.armDeadline(deadline, now: now)
        case .armDeadline(let deadline):
            self.armDeadline(deadline, now: now)
        case .none:
            break
        }
    }

    private func armDeadline(_ deadline: ContinuousClock.Instant, now: ContinuousClock.Instant) {
        let delay = now.duration(to: deadline)
        // The event loop's timer decides when the deadline has come (an embedded loop's manual
        // clock in tests), so the machine is told the deadline itself.
        self.channel.eventLoop.scheduleTask(in: .nanoseconds(delay.nanoseconds)) {
            let after = self.inner.withLock { $0.machine.deadlineReached(now: deadline) }
            if after == .close { self.close() }
        }
    }

    /// Every reply is written: the writer ends, and the channel closes once the replies it was
    /// handed have reached the socket (see ``ContactServer``'s writer). Closing the channel now
    /// would drop replies still queued in it.
    private func finish() {
        self.releaseWaiters()
    }

    /// Closes the socket at once, dropping what was not written, and releases whoever waits.
    private func close() {
        self.releaseWaiters()
        self.channel.close(promise: nil)
    }

    private func releaseWaiters() {
        let (reader, writer) = self.inner.withLock { inner in
            inner.replies.removeAll()
            return (inner.takeReader(), inner.takeWriter())
        }
        reader?.resume()
        writer?.resume(returning: nil)
    }
}
