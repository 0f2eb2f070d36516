import Synchronization
import Testing

@testable import ContactServer

struct ReplyQueueTests {
    /// Replies come out in the order they went in, all that are queued at once.
    @Test func drainsInOrder() async {
        let queue = ReplyQueue(capacity: 8)
        for byte in 0..<3 { await queue.put(.ready([UInt8(byte)])) }
        queue.finish()
        var seen: [[UInt8]] = []
        while let batch = await queue.takeAll() {
            for reply in batch { seen.append(await reply.resolve()) }
        }
        #expect(seen == [[0], [1], [2]])
    }

    /// The reply that fills the queue (by count or by bytes) makes the reader wait until the
    /// writer takes replies.
    @Test(arguments: [(2, 1 << 20, 1), (100, 1000, 600)])
    func fullQueueMakesTheReaderWait(capacity: Int, bytes: Int, replySize: Int) async {
        let queue = ReplyQueue(capacity: capacity, byteCapacity: bytes)
        let added = Atomic<Int>(0)
        let reader = Task {
            for _ in 0..<10 {
                await queue.put(.ready([UInt8](repeating: 7, count: replySize)))
                added.add(1, ordering: .relaxed)
            }
            queue.finish()
        }
        try? await Task.sleep(for: .milliseconds(200))
        #expect(added.load(ordering: .relaxed) == 1, "the reader went on past a full queue")
        var taken = 0
        while let batch = await queue.takeAll() { taken += batch.count }
        await reader.value
        #expect(taken == 10)
    }

    /// When the writer goes away, a waiting reader is released and later replies are dropped.
    @Test func closeReleasesAWaitingReader() async {
        let queue = ReplyQueue(capacity: 2)
        await queue.put(.ready([1]))
        let reader = Task { await queue.put(.ready([2])) }
        try? await Task.sleep(for: .milliseconds(50))
        queue.close()
        await reader.value
        #expect(await queue.takeAll() == nil)
    }
}
