import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md sections 3 and 7: bad input gets a clear error and never changes stored contacts.
struct BadInputTests {
    /// One kind of bad input: the bytes of one line (without `\n`).
    struct BadLine: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        var testDescription: String { self.name }

        init(_ name: String, _ text: String) {
            self.name = name
            self.bytes = Array(text.utf8)
        }

        init(_ name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    static let key = Daemon.keyA
    /// A valid upsert that would change the seeded contact; every bad line is a variant of it.
    static let validUpsert =
        #"{"method":"contacts.upsert","apiKey":"\#(key)","contacts":[{"id":"123","profile":{"$inc":{"totalOrders":1},"$push":{"tags":"x"}}}]}"#

    static func upsert(profile: String) -> String {
        #"{"method":"contacts.upsert","apiKey":"\#(key)","contacts":[{"id":"123","profile":\#(profile)}]}"#
    }

    static let badLines: [BadLine] = [
        BadLine("truncated JSON", String(validUpsert.dropLast())),
        BadLine("truncated mid-string", String(validUpsert.prefix(60))),
        BadLine("garbage bytes", bytes: [0xff, 0xfe, 0x00, 0x13, 0x37, 0x80, 0x7b, 0x22, 0xc0, 0x01]),
        BadLine("NUL byte outside strings", bytes: Array(#"{"method":"ping"}"#.utf8) + [0]),
        BadLine(
            "invalid UTF-8 in a string",
            bytes: Array(upsert(profile: #"{"$set":{"x":""#).utf8) + [0xc3, 0x28] + Array(#""}}"#.utf8)
                + Array("]}".utf8)
        ),
        BadLine(
            "overlong UTF-8",
            bytes: Array(upsert(profile: #"{"$set":{"x":""#).utf8) + [0xc0, 0xaf] + Array(#""}}]}"#.utf8)
        ),
        BadLine(
            "UTF-8 encoded surrogate",
            bytes: Array(upsert(profile: #"{"$set":{"x":""#).utf8) + [0xed, 0xa0, 0x80] + Array(#""}}]}"#.utf8)
        ),
        BadLine(
            "invalid UTF-8 in a member name",
            bytes: Array(
                #"{"method":"contacts.upsert","apiKey":"\#(key)","contacts":[{"id":"123","profile":{"$set":{""#.utf8
            ) + [0xff] + Array(#"":1}}}]}"#.utf8)
        ),
        BadLine("byte-order mark", bytes: [0xef, 0xbb, 0xbf] + Array(validUpsert.utf8)),
        BadLine("huge number 1e400", upsert(profile: #"{"$inc":{"totalOrders":1e400}}"#)),
        BadLine("huge negative number", upsert(profile: #"{"$set":{"x":-1e400}}"#)),
        BadLine(
            "huge number with many digits",
            upsert(profile: #"{"$set":{"x":\#(String(repeating: "9", count: 400)).0}}"#)
        ),
        BadLine(
            "nesting depth 65",
            upsert(
                profile: #"{"$set":{"x":\#(String(repeating: "[", count: 60) + String(repeating: "]", count: 60))}}"#
            )
        ),
        BadLine("nesting depth 100000", #"{"method":"ping","x":\#(String(repeating: "[", count: 100_000))"#),
        BadLine("nesting depth 100000 of objects", String(repeating: #"{"a":"#, count: 100_000)),
        BadLine(
            "duplicate top-level member",
            #"{"method":"contacts.upsert","method":"contacts.upsert","apiKey":"\#(key)","contacts":[{"id":"123","profile":{"$inc":{"totalOrders":1}}}]}"#
        ),
        BadLine("duplicate member in a profile", upsert(profile: #"{"$set":{"a":1,"a":2}}"#)),
        BadLine("duplicate operator", upsert(profile: #"{"$inc":{"totalOrders":1},"$inc":{"totalOrders":1}}"#)),
        BadLine(
            "duplicate id member",
            #"{"method":"contacts.upsert","apiKey":"\#(key)","contacts":[{"id":"123","id":"124","profile":{"$inc":{"totalOrders":1}}}]}"#
        ),
        BadLine(
            "duplicate member spelled with an escape",
            #"{"method":"contacts.upsert","apiKey":"\#(key)","contacts":[{"id":"123","profile":{"$set":{"ab":1,"a\u0062":2}}}]}"#
        ),
        BadLine("unpaired high surrogate", upsert(profile: #"{"$set":{"x":"\ud800"}}"#)),
        BadLine("unpaired low surrogate", upsert(profile: #"{"$set":{"x":"\udc00"}}"#)),
        BadLine("high surrogate then letter", upsert(profile: #"{"$set":{"x":"\ud800\u0041"}}"#)),
        BadLine("two high surrogates", upsert(profile: #"{"$set":{"x":"\ud83d\ud83d"}}"#)),
        BadLine("surrogate in a member name", upsert(profile: #"{"$set":{"\udc00":1}}"#)),
        BadLine("NUL escape in a member name", upsert(profile: #"{"$set":{"a\u0000":1}}"#)),
        BadLine("raw control character in a string", upsert(profile: "{\"$set\":{\"x\":\"a\tb\"}}")),
        BadLine("bad escape", upsert(profile: #"{"$set":{"x":"\x41"}}"#)),
        BadLine("short unicode escape", upsert(profile: #"{"$set":{"x":"\u41"}}"#)),
        BadLine("single quotes", #"{'method':'ping'}"#),
        BadLine("trailing comma", upsert(profile: #"{"$set":{"x":1,}}"#)),
        BadLine("comment", #"{"method":"ping"} // hi"#),
        BadLine("NaN", upsert(profile: #"{"$set":{"x":NaN}}"#)),
        BadLine("Infinity", upsert(profile: #"{"$set":{"x":Infinity}}"#)),
        BadLine("leading zero", upsert(profile: #"{"$set":{"x":01}}"#)),
        BadLine("leading plus", upsert(profile: #"{"$set":{"x":+1}}"#)),
        BadLine("bare fraction", upsert(profile: #"{"$set":{"x":.5}}"#)),
        BadLine("trailing dot", upsert(profile: #"{"$set":{"x":1.}}"#)),
        BadLine("empty exponent", upsert(profile: #"{"$set":{"x":1e}}"#)),
        BadLine("two objects on a line", validUpsert + validUpsert),
        BadLine("trailing garbage", validUpsert + " x"),
        BadLine("array instead of object", "[" + validUpsert + "]"),
        BadLine("string", #""contacts.upsert""#),
        BadLine("number", "42"),
        BadLine("null", "null"),
        BadLine("true", "true"),
        BadLine("unquoted member name", #"{method:"ping"}"#),
        BadLine("upper-case literal", upsert(profile: #"{"$set":{"x":TRUE}}"#)),
    ]

    /// Each kind of bad input is a 400 that leaves stored contacts unchanged; the daemon keeps serving.
    @Test(arguments: badLines)
    func badLineIsRefusedAndChangesNothing(line: BadLine) async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.call(UpsertTests.seedUpsert).contains(#""inserted":["123"]"#))
        let before = try await client.get("123")
        try await client.send(bytes: line.bytes + [UInt8(ascii: "\n")])
        let reply = try await client.readResponse()
        #expect(reply.isRefusal(400, "Bad Request"), "\(line.name): \(reply)")
        #expect(try await client.get("123").raw == before.raw)
        #expect(try await client.count() == 1)
        #expect(try await client.pings())
        let other = try daemon.connect()
        #expect(try await other.pings())
    }

    /// RFC 8259 edge cases are accepted: outer whitespace, escaped NUL, paired surrogates, `1E2`.
    @Test func validEdgeCasesAreAccepted() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.call(" \t" + #"{"method":"ping"}"# + "\t ") == #"{"statusCode":200,"success":true}"#)
        let reply = try await client.upsert(
            #"{"id":"e","profile":{"$set":{"nul":"a\u0000b","emoji":"\ud83d\ude00","slash":"\/","exp":1E2}}}"#
        )
        #expect(reply.strings("inserted") == ["e"], "\(reply)")
        let profile = try #require(try await client.get("e").profile)
        #expect(profile.member("nul") == .string("a\u{0}b"))
        #expect(profile.member("emoji") == .string("😀"))
        #expect(profile.member("slash") == .string("/"))
        #expect(profile.member("exp") == .double(100))
    }

    /// An abrupt disconnect mid-line applies nothing partial; complete lines sent before it apply.
    @Test func abruptDisconnectMidLineAppliesNothing() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.call(UpsertTests.seedUpsert).contains(#""inserted":["123"]"#))
        let before = try await client.get("123")
        let line = Array(Self.validUpsert.utf8)
        for cut in stride(from: 1, to: line.count, by: 7) {
            let dying = try daemon.connect()
            try await dying.send(bytes: Array(line[0..<cut]))
            dying.close()
        }
        // A client that sends complete pipelined requests plus a partial one, then dies, gets the
        // complete ones applied and never the partial one.
        let pipelined = try daemon.connect()
        let complete =
            #"{"method":"contacts.upsert","apiKey":"\#(Self.key)","contacts":[{"id":"other","profile":{"$inc":{"n":1}}}]}"#
        try await pipelined.send(complete + "\n" + complete + "\n" + String(Self.validUpsert.dropLast(3)))
        pipelined.close()
        #expect(try await eventually { try await client.get("other").profile?.member("n") == .int(2) })
        // A complete final line without `\n` is a request, even when the client then closes.
        let last = try daemon.connect()
        try await last.send(complete)
        last.close()
        #expect(try await eventually { try await client.get("other").profile?.member("n") == .int(3) })
        try await pause(.milliseconds(50))
        #expect(try await client.get("other").profile?.member("n") == .int(3))
        #expect(try await client.get("123").raw == before.raw)
        #expect(try await client.count() == 2)
        #expect(try await client.pings())
    }
}
