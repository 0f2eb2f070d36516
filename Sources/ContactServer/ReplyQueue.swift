import DequeModule
import Synchronization

/// The bounded queue between a connection's reader (which runs requests in order) and its
/// writer (which sends replies in the same order): when the client stops reading, the queue
/// fills (by count or by bytes) and the reader waits, so the server stops reading from that
/// client and its memory stays bounded even for large replies such as `contacts.list` pages.
final class ReplyQueue: Sendable {
    private struct State {
        var items: Deque<PendingReply> = []
        var bytes = 0
        var finished = false
        var closed = false
        var consumer: CheckedContinuation<[PendingReply]?, Never>?
        var producer: CheckedContinuation<Void, Never>?
    }

    private let capacity: Int
    private let byteCapacity: Int
    private let state = Mutex(State())

    /// A queue holding at most `capacity` replies and, beyond its first reply, `byteCapacity` bytes.
    init(capacity: Int, byteCapacity: Int = 4 << 20) {
        self.capacity = capacity
        self.byteCapacity = byteCapacity
    }

    /// Adds a reply, waiting while the queue is full. Drops it when the writer has gone.
    func put(_ reply: PendingReply) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let consumer: CheckedContinuation<[PendingReply]?, Never>?
            let batch: [PendingReply]?
            let resumeNow: Bool
            (consumer, batch, resumeNow) = self.state.withLock { state in
                if state.closed { return (nil, nil, true) }
                state.items.append(reply)
                state.bytes += reply.size
                var consumer: CheckedContinuation<[PendingReply]?, Never>?
                var batch: [PendingReply]?
                if let waiting = state.consumer {
                    state.consumer = nil
                    consumer = waiting
                    batch = Array(state.items)
                    state.items.removeAll()
                    state.bytes = 0
                }
                if state.items.count >= self.capacity || state.bytes >= self.byteCapacity {
                    state.producer = continuation
                    return (consumer, batch, false)
                }
                return (consumer, batch, true)
            }
            consumer?.resume(returning: batch)
            if resumeNow { continuation.resume() }
        }
    }

    /// Every queued reply, waiting for at least one; nil once finished and drained or closed.
    func takeAll() async -> [PendingReply]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[PendingReply]?, Never>) in
            let (result, producer, ready) = self.state.withLock {
                state -> ([PendingReply]?, CheckedContinuation<Void, Never>?, Bool) in
                if state.closed { return (nil, nil, true) }
                if !state.items.isEmpty {
                    let batch = Array(state.items)
                    state.items.removeAll()
                    state.bytes = 0
                    let producer = state.producer
                    state.producer = nil
                    return (batch, producer, true)
                }
                if state.finished { return (nil, nil, true) }
                state.consumer = continuation
                return (nil, nil, false)
            }
            producer?.resume()
            if ready { continuation.resume(returning: result) }
        }
    }

    /// No more replies will be added; the writer drains what is queued.
    func finish() {
        let consumer = self.state.withLock { state -> CheckedContinuation<[PendingReply]?, Never>? in
            state.finished = true
            let consumer = state.consumer
            state.consumer = nil
            return consumer
        }
        consumer?.resume(returning: nil)
    }

    /// The writer has gone: drop everything and release a waiting reader.
    func close() {
        let (producer, consumer) = self.state.withLock { state in
            state.closed = true
            state.items.removeAll()
            state.bytes = 0
            let result = (state.producer, state.consumer)
            state.producer = nil
            state.consumer = nil
            return result
        }
        producer?.resume()
        consumer?.resume(returning: nil)
    }
}
