import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md section 1: a client that stops reading is not read from, and never slows others.
struct BackPressureTests {
    /// A ping of about 1 KB whose reply carries a 100-byte requestId, so that replies fill the
    /// socket buffer quickly.
    static func request(_ index: Int) -> String {
        let id = String(format: "%08d", index) + String(repeating: "r", count: 92)
        return #"{"method":"ping","requestId":"\#(id)","pad":"\#(String(repeating: "p", count: 900))"}"# + "\n"
    }

    /// A `contacts.get` of about 1 KB for contact "big", whose reply is about 16 KB.
    static func bigGet(_ index: Int) -> String {
        let id = String(format: "%08d", index) + String(repeating: "r", count: 92)
        return
            #"{"method":"contacts.get","apiKey":"\#(Daemon.keyA)","id":"big","requestId":"\#(id)","pad":"\#(String(repeating: "p", count: 820))"}"#
            + "\n"
    }

    /// Stores contact "big" (a 16 KB profile) in project alpha, so that ``bigGet(_:)`` replies are large.
    static func storeBig(_ client: Client) async throws {
        let big = String(repeating: "b", count: 16_000)
        #expect(try await client.upsert(#"{"id":"big","profile":{"$set":{"blob":"\#(big)"}}}"#).success == true)
    }

    /// Reads `count` replies on `client`, recording an issue at the first one that does not come
    /// (`about` says whose) or does not carry the requestId of request `index` as ``request(_:)``
    /// and ``bigGet(_:)`` number them; with `slowly`, pauses that long after every tenth reply.
    static func expectRepliesInOrder(
        on client: Client,
        count: Int,
        about: String,
        slowly: Duration? = nil
    ) async throws {
        for index in 0..<count {
            let line: String
            do {
                line = try await client.readLine()
            } catch {
                Issue.record("\(about): reply \(index) of \(count): \(error)")
                return
            }
            if !line.contains(String(format: "\"requestId\":\"%08d", index)) {
                Issue.record("\(about): reply \(index) of \(count) out of order: \(line.prefix(80))")
                return
            }
            if let slowly, index % 10 == 0 { try await pause(slowly) }
        }
    }

    /// Writes requests without reading until `limit` bytes are taken or the server has taken
    /// nothing for `stall`; returns how many complete requests were sent (every request built by
    /// `request` must have the same length).
    static func flood(
        _ client: Client,
        limit: Int,
        stall: Duration,
        request: (Int) -> String = BackPressureTests.request
    ) async throws -> (requests: Int, bytes: Int) {
        var sent = 0
        var bytes = 0
        var lastProgress = ContinuousClock.now
        var pending: [UInt8] = []
        var offset = 0
        while bytes < limit {
            if offset == pending.count {
                // A burst of 64 requests per write.
                pending = Array((sent..<sent + 64).map(request).joined().utf8)
                offset = 0
            }
            let written = try client.trySend(pending, from: offset)
            if written > 0 {
                offset += written
                bytes += written
                lastProgress = ContinuousClock.now
                if offset == pending.count { sent += 64 }
                continue
            }
            if ContinuousClock.now - lastProgress > stall { break }
            try await pause(.milliseconds(2))
        }
        // Whole requests only: the requests of a partly written burst that were fully written.
        if offset < pending.count {
            let lineLength = request(0).utf8.count
            sent += offset / lineLength
        }
        return (sent, bytes)
    }

    /// While one client writes without reading, another client's ping is answered within 2 s.
    @Test func nonReadingClientDoesNotSlowOthers() async throws {
        let daemon = try await Daemon.start()
        let greedy = try daemon.connect()
        let flood = try await Self.flood(greedy, limit: 20 << 20, stall: .milliseconds(500))
        #expect(flood.bytes < 20 << 20, "the server kept reading from a client that does not read")
        let polite = try daemon.connect()
        for index in 0..<5 {
            let start = ContinuousClock.now
            try await polite.send(#"{"method":"ping","requestId":\#(index)}"# + "\n")
            #expect(
                try await polite.readLine(timeout: .seconds(5))
                    == #"{"statusCode":200,"success":true,"requestId":\#(index)}"#
            )
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(try await polite.upsert(#"{"id":"p\#(index)"}"#).status == 200)
        }
        // The greedy client is still fully served once it reads.
        greedy.shutdownWrite()
        try await Self.expectRepliesInOrder(
            on: greedy,
            count: flood.requests,
            about: "greedy client (\(flood.bytes) bytes sent)"
        )
    }

    /// A client that sends its requests, ends its output at once and then reads slowly gets every
    /// reply before the connection closes: the close waits until the last reply is in the socket.
    @Test func halfClosedSlowReaderGetsEveryReply() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await Self.storeBig(client)
        let count = 150
        try await client.send((0..<count).map(Self.bigGet).joined())
        client.shutdownWrite()
        try await pause(.milliseconds(300))
        try await Self.expectRepliesInOrder(on: client, count: count, about: "slow reader", slowly: .milliseconds(20))
        #expect(try await client.readLineOrEnd() == nil)
    }

    /// A non-reading client writing ~50 MB keeps the daemon's RSS bounded; its replies come in order.
    @Test func memoryStaysBoundedWhileAClientDoesNotRead() async throws {
        let daemon = try await Daemon.start()
        let warmup = try daemon.connect()
        try await Self.storeBig(warmup)
        for _ in 0..<200 { _ = try await warmup.get("big") }
        let baseline = try daemon.process.residentKilobytes()
        let greedy = try daemon.connect()
        let flood = try await Self.flood(greedy, limit: 50 << 20, stall: .seconds(1), request: Self.bigGet)
        let during = try daemon.process.residentKilobytes()
        #expect(
            during - baseline < 24 * 1024,
            "RSS grew from \(baseline) KiB to \(during) KiB after the client wrote \(flood.bytes) bytes"
        )
        #expect(flood.bytes < 50 << 20, "the server read all of 50 MB from a client that does not read")
        #expect(try await warmup.pings())

        // Reading resumes the conversation: every complete request is answered, in order.
        try await Self.expectRepliesInOrder(on: greedy, count: flood.requests, about: "greedy client")
    }
}
