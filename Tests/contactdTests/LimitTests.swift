import ContactCore
import ContactdTesting
import Foundation
import Testing

/// Every documented limit, at its value and one past it.
struct LimitTests {
    /// A ping line of exactly `length` bytes (without the line ending).
    static func pingLine(length: Int, requestId: Int) -> String {
        let prefix = #"{"method":"ping","requestId":\#(requestId),"pad":""#
        let padding = length - prefix.utf8.count - 2
        precondition(padding >= 0)
        return prefix + String(repeating: "x", count: padding) + #""}"#
    }

    static func ok(_ requestId: Int) -> String {
        #"{"statusCode":200,"success":true,"requestId":\#(requestId)}"#
    }

    /// `--max-line-bytes 200`: 200 bytes pass, 201 is a 413 in its place (`\n` and `\r\n`).
    @Test func lineLimitAtAndPastItsValue() async throws {
        let daemon = try await Daemon.start(["--max-line-bytes", "200"])
        let client = try daemon.connect()
        let lines = [
            Self.pingLine(length: 60, requestId: 1) + "\n",
            Self.pingLine(length: 201, requestId: 2) + "\n",
            Self.pingLine(length: 70, requestId: 3) + "\n",
            Self.pingLine(length: 200, requestId: 4) + "\n",
            Self.pingLine(length: 200, requestId: 5) + "\r\n",
            Self.pingLine(length: 201, requestId: 6) + "\r\n",
            Self.pingLine(length: 199, requestId: 7) + "\r\r\n",
            Self.pingLine(length: 200, requestId: 8) + "\rx\n",
            Self.pingLine(length: 50, requestId: 9) + "\n",
        ]
        try await client.send(lines.joined())
        #expect(try await client.readLine() == Self.ok(1))
        let tooLong = try await client.readResponse()
        #expect(tooLong.isRefusal(413, "Payload Too Large"), "\(tooLong)")
        #expect(try await client.readLine() == Self.ok(3))
        #expect(try await client.readLine() == Self.ok(4))
        #expect(try await client.readLine() == Self.ok(5))
        #expect(try await client.readResponse().isRefusal(413, "Payload Too Large"))
        // 199 bytes + "\r" is a 200-byte line whose last byte is a raw CR inside JSON whitespace.
        #expect(try await client.readLine() == Self.ok(7))
        #expect(try await client.readResponse().isRefusal(413, "Payload Too Large"))
        #expect(try await client.readLine() == Self.ok(9))
        #expect(try await client.staysSilent(for: .milliseconds(200)))
    }

    /// A line far over the limit, even in small pieces, gets one 413; the connection stays usable.
    @Test func hugeLineGetsOne413() async throws {
        let daemon = try await Daemon.start(["--max-line-bytes", "200"])
        let client = try daemon.connect()
        try await client.send(
            Self.pingLine(length: 100_000, requestId: 1) + "\n" + Self.pingLine(length: 60, requestId: 2) + "\n"
        )
        #expect(try await client.readResponse().isRefusal(413, "Payload Too Large"))
        #expect(try await client.readLine() == Self.ok(2))
        let slow = Array((Self.pingLine(length: 1000, requestId: 3) + "\n").utf8)
        var offset = 0
        while offset < slow.count {
            try await client.send(bytes: Array(slow[offset..<min(offset + 64, slow.count)]))
            offset += 64
            try await pause(.milliseconds(1))
        }
        #expect(try await client.readResponse().isRefusal(413, "Payload Too Large"))
        try await client.send(Self.pingLine(length: 200, requestId: 4) + "\n")
        #expect(try await client.readLine() == Self.ok(4))
        #expect(try await client.staysSilent(for: .milliseconds(200)))
    }

    /// An over-long final line at half-close is answered with 413, then the server closes.
    @Test(arguments: [201, 202, 5000])
    func overLongFinalLineAtHalfClose(length: Int) async throws {
        let daemon = try await Daemon.start(["--max-line-bytes", "200"])
        let client = try daemon.connect()
        try await client.send(
            Self.pingLine(length: 200, requestId: 1) + "\n" + Self.pingLine(length: length, requestId: 2)
        )
        client.shutdownWrite()
        #expect(try await client.readLine() == Self.ok(1))
        #expect(try await client.readResponse().isRefusal(413, "Payload Too Large"))
        try await client.expectEndOfInput()
    }

    /// The default line limit is 1 MiB: a 1 MiB line is accepted, one byte more is a 413.
    @Test func defaultLineLimitIsOneMebibyte() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        // 2 MiB through a debug build beside other tests: a generous timeout, this checks the limit.
        try await client.send(
            Self.pingLine(length: 1 << 20, requestId: 1) + "\n" + Self.pingLine(length: (1 << 20) + 1, requestId: 2)
                + "\n",
            timeout: .seconds(60)
        )
        #expect(try await client.readLine(timeout: .seconds(60)) == Self.ok(1))
        #expect(try await client.readResponse().isRefusal(413, "Payload Too Large"))
        #expect(try await client.pings())
    }

    /// `--max-batch 3` bounds `contacts`, `ids` and `messages` alike.
    @Test func maxBatchFlag() async throws {
        let daemon = try await Daemon.start(["--max-batch", "3"])
        let client = try daemon.connect()
        #expect(try await client.upsert(#"{"id":"a"},{"id":"b"},{"id":"c"}"#).strings("inserted") == ["a", "b", "c"])
        let over = try await client.call(
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","contacts":[{"id":"d"},{"id":"e"},{"id":"f"},{"id":"g"}]}"#
        )
        #expect(
            over
                == #"{"statusCode":400,"success":false,"error":"Bad Request","message":"contacts: at most 3 entries, got 4"}"#
        )
        #expect(try await client.delete(["a", "b", "c", "d"]).isRefusal(400, "Bad Request"))
        let messages = Array(repeating: #"{"id":"a"}"#, count: 4).joined(separator: ",")
        #expect(
            try await client.request(
                #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[\#(messages)]}"#
            ).isRefusal(400, "Bad Request")
        )
        let three = Array(repeating: #"{"id":"a"}"#, count: 3).joined(separator: ",")
        #expect(
            try await client.request(
                #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[\#(three)]}"#
            ).strings("recorded")?.count == 3
        )
        #expect(try await client.delete(["a", "b", "c"]).strings("deleted") == ["a", "b", "c"])
        #expect(try await client.count() == 0)
    }

    /// `--max-profile-bytes 100`: 100 bytes stored, 101 fails the entry (insert and update).
    @Test func profileLimitFlag() async throws {
        let daemon = try await Daemon.start(["--max-profile-bytes", "100"])
        let client = try daemon.connect()
        // {"id":"p","pad":""} is 19 bytes of compact JSON.
        let at = String(repeating: "x", count: 81)
        let past = String(repeating: "x", count: 82)
        let reply = try await client.upsert(
            #"{"id":"p","profile":{"$set":{"pad":"\#(at)"}}},{"id":"q","profile":{"$set":{"pad":"\#(past)"}}}"#
        )
        #expect(reply.strings("inserted") == ["p"])
        #expect(reply.strings("failed") == ["q"])
        let stored = try await client.get("p")
        #expect(stored.profile.map { JSONWriter.serialize($0).count } == 100)
        let grow = try await client.upsert(
            #"{"id":"p","profile":{"$set":{"more":1}}},{"id":"p","profile":{"$push":{"pad2":"y"}}}"#
        )
        #expect(grow.strings("failed") == ["p", "p"])
        #expect(try await client.get("p").raw == stored.raw)
        #expect(try await client.get("q").isRefusal(404, "Not Found"))
        // Padding an array with nulls past the limit fails without building it.
        #expect(try await client.upsert(#"{"id":"arr","profile":{"$set":{"a":[]}}}"#).success == true)
        #expect(try await client.upsert(#"{"id":"arr","profile":{"$set":{"a.30":1}}}"#).strings("failed") == ["arr"])
        #expect(try await client.upsert(#"{"id":"arr","profile":{"$set":{"a.3":1}}}"#).strings("updated") == ["arr"])
        #expect(
            try await client.get("arr").profile?.sameValue(as: try json(#"{"id":"arr","a":[null,null,null,1]}"#))
                == true
        )
    }

    /// The default profile limit is 64 KiB, and an array index far past the end fails quickly.
    @Test func defaultProfileLimit() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let at = String(repeating: "x", count: 65536 - 19)
        let reply = try await client.upsert(
            #"{"id":"p","profile":{"$set":{"pad":"\#(at)"}}},{"id":"q","profile":{"$set":{"pad":"\#(at)x"}}}"#
        )
        #expect(reply.strings("inserted") == ["p"])
        #expect(reply.strings("failed") == ["q"])
        #expect(try await client.upsert(#"{"id":"arr","profile":{"$set":{"a":[]}}}"#).success == true)
        let start = ContinuousClock.now
        #expect(
            try await client.upsert(#"{"id":"arr","profile":{"$set":{"a.999999999":1}}}"#).strings("failed") == ["arr"]
        )
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(try await client.pings())
    }

    /// An external id of 256 bytes works everywhere; 257 bytes fails the entry or refuses the request.
    @Test func externalIdLength() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let ascii256 = String(repeating: "a", count: 256)
        let utf8256 = String(repeating: "€", count: 85) + "b"
        let ascii257 = ascii256 + "c"
        let utf8257 = String(repeating: "é", count: 128) + "d"
        let reply = try await client.upsert(
            [ascii256, utf8256, ascii257, utf8257].map { #"{"id":\#(q($0))}"# }.joined(separator: ",")
        )
        #expect(reply.strings("inserted") == [ascii256, utf8256])
        #expect(reply.strings("failed") == [ascii257, utf8257])
        #expect(try await client.get(ascii256).contact?["externalId"] == .string(ascii256))
        #expect(try await client.get(utf8256).status == 200)
        #expect(try await client.get(ascii257).isRefusal(400, "Bad Request"))
        let record = try await client.request(
            #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[{"id":\#(q(utf8256))},{"id":\#(q(utf8257))}]}"#
        )
        #expect(record.strings("recorded") == [utf8256])
        #expect(record.strings("failed") == [utf8257])
        #expect(try await client.delete([ascii257]).isRefusal(400, "Bad Request"))
        #expect(try await client.delete([ascii256, utf8256]).strings("deleted") == [ascii256, utf8256])
    }

    /// Nesting depth 64 is accepted, 65 is a 400 (request object = depth 1), in any request.
    @Test func nestingDepthSixtyFourVersusSixtyFive() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        func arrays(_ count: Int) -> String {
            String(repeating: "[", count: count) + String(repeating: "]", count: count)
        }
        func objects(_ count: Int) -> String {
            String(repeating: #"{"a":"#, count: count) + "1" + String(repeating: "}", count: count)
        }
        #expect(
            try await client.call(#"{"method":"ping","x":\#(arrays(63))}"#) == #"{"statusCode":200,"success":true}"#
        )
        #expect(try await client.request(#"{"method":"ping","x":\#(arrays(64))}"#).isRefusal(400, "Bad Request"))
        #expect(
            try await client.call(#"{"method":"ping","x":\#(objects(63))}"#) == #"{"statusCode":200,"success":true}"#
        )
        #expect(try await client.request(#"{"method":"ping","x":\#(objects(64))}"#).isRefusal(400, "Bad Request"))
        // Inside an upsert: request(1) contacts(2) entry(3) profile(4) $set(5), then the value.
        let accepted = try await client.upsert(#"{"id":"deep","profile":{"$set":{"v":\#(arrays(59))}}}"#)
        #expect(accepted.strings("inserted") == ["deep"])
        let stored = try await client.get("deep")
        #expect(stored.raw.contains(arrays(59)))
        let refused = try await client.upsert(#"{"id":"deeper","profile":{"$set":{"v":\#(arrays(60))}}}"#)
        #expect(refused.isRefusal(400, "Bad Request"), "\(refused)")
        #expect(try await client.get("deeper").isRefusal(404, "Not Found"))
    }

    /// `--max-connections 2`: a third connection gets one 503 and is closed; a freed slot serves again.
    @Test func maxConnectionsFlag() async throws {
        let daemon = try await Daemon.start(["--max-connections", "2"])
        // The harness's readiness probe may still count for a moment: connect until served.
        func servedConnection() async throws -> Client {
            var served: Client?
            let ok = try await eventually {
                let client = try daemon.connect()
                if try await client.call(#"{"method":"ping"}"#) == #"{"statusCode":200,"success":true}"# {
                    served = client
                    return true
                }
                return false
            }
            guard ok, let served else { throw HarnessError("no connection was served") }
            return served
        }
        let first = try await servedConnection()
        let second = try await servedConnection()
        let third = try daemon.connect()
        let refusal = try await third.readResponse()
        #expect(refusal.isRefusal(503, "Service Unavailable"), "\(refusal)")
        try await third.expectEndOfInput()
        #expect(try await first.pings())
        #expect(try await second.pings())
        first.close()
        let fourth = try await servedConnection()
        #expect(try await fourth.pings())
    }
}
