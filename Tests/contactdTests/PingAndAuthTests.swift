import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md sections 1–3: ping, requestId, the order of checks and API keys.
struct PingAndAuthTests {
    /// `ping` needs no key and is answered with exactly the documented line.
    @Test func pingAnswersExactly() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.call(#"{"method":"ping"}"#) == #"{"statusCode":200,"success":true}"#)
        #expect(
            try await client.call(#"{"method":"ping","requestId":"abc","unknownMember":[1,{"x":null}]}"#)
                == #"{"statusCode":200,"success":true,"requestId":"abc"}"#
        )
    }

    /// A requestId string of up to 128 UTF-8 bytes and any signed 64-bit integer are echoed exactly.
    @Test(arguments: [
        #""""#,
        #""\#(String(repeating: "r", count: 128))""#,
        #""\#(String(repeating: "é", count: 64))""#,
        "0", "-1", "9223372036854775807", "-9223372036854775808",
        #""with \"quotes\" and \\ backslash""#,
    ])
    func requestIdIsEchoed(requestId: String) async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let line = try await client.call(#"{"method":"ping","requestId":\#(requestId)}"#)
        #expect(line == #"{"statusCode":200,"success":true,"requestId":\#(requestId)}"#)
        let count = try await client.request(
            #"{"method":"contacts.count","apiKey":"\#(Daemon.keyA)","requestId":\#(requestId)}"#
        )
        #expect(count.keys == ["statusCode", "success", "count", "requestId"])
        #expect(count["requestId"] == (try json(requestId)))
    }

    /// A 129-byte string, float, bool, object, array or out-of-range requestId is a 400 without echo.
    @Test(arguments: [
        #""\#(String(repeating: "r", count: 129))""#,
        #""\#(String(repeating: "é", count: 64))x""#,
        "1.5", "1.0", "1e3", "true", "false", #"{"a":1}"#, "[1]", "9223372036854775808", "-9223372036854775809",
    ])
    func badRequestIdIsRefusedWithoutEcho(requestId: String) async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let ping = try await client.request(#"{"method":"ping","requestId":\#(requestId)}"#)
        #expect(ping.isRefusal(400, "Bad Request"), "\(ping)")
        let count = try await client.request(
            #"{"method":"contacts.count","apiKey":"\#(Daemon.keyA)","requestId":\#(requestId)}"#
        )
        #expect(count.isRefusal(400, "Bad Request"), "\(count)")
    }

    /// `"requestId":null` is the same as no requestId: no echo.
    @Test func nullRequestIdIsAbsent() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.call(#"{"method":"ping","requestId":null}"#) == #"{"statusCode":200,"success":true}"#)
    }

    /// Section 2's order of checks decides which error answers a request with several problems.
    @Test(arguments: [
        // Missing method with a bad apiKey: the method check comes first.
        (#"{"apiKey":5}"#, 400),
        (#"{"apiKey":"unknown-key","contacts":[]}"#, 400),
        (#"{"method":null,"apiKey":"\#(Daemon.keyA)"}"#, 400),
        (#"{"method":5,"apiKey":"\#(Daemon.keyA)"}"#, 400),
        // Unknown method, even with an unknown key.
        (#"{"method":"contacts.nope","apiKey":"unknown-key"}"#, 400),
        (#"{"method":"Ping"}"#, 400),
        (#"{"method":"contacts.Get","apiKey":"\#(Daemon.keyA)","id":"1"}"#, 400),
        // apiKey missing or null: 401, even when the method's fields are bad.
        (#"{"method":"contacts.count"}"#, 401),
        (#"{"method":"contacts.get","apiKey":null}"#, 401),
        (#"{"method":"contacts.upsert","contacts":5}"#, 401),
        // apiKey not a string: 400.
        (#"{"method":"contacts.count","apiKey":5}"#, 400),
        (#"{"method":"contacts.count","apiKey":["\#(Daemon.keyA)"]}"#, 400),
        (#"{"method":"contacts.get","apiKey":true,"id":"1"}"#, 400),
        // Unknown key: 401 before the method's fields are looked at.
        (#"{"method":"contacts.count","apiKey":"unknown-key"}"#, 401),
        (#"{"method":"contacts.count","apiKey":""}"#, 401),
        (#"{"method":"contacts.get","apiKey":"unknown-key"}"#, 401),
        (#"{"method":"contacts.upsert","apiKey":"unknown-key","contacts":"x"}"#, 401),
        (#"{"method":"contacts.count","apiKey":"\#(Daemon.keyA) "}"#, 401),
        // Known key, bad fields: 400.
        (#"{"method":"contacts.get","apiKey":"\#(Daemon.keyA)"}"#, 400),
        (#"{"method":"contacts.get","apiKey":"\#(Daemon.keyA)","id":5}"#, 400),
        (#"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)"}"#, 400),
        (#"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","contacts":{}}"#, 400),
        (#"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","ids":"a"}"#, 400),
        (#"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)"}"#, 400),
        (#"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":"10"}"#, 400),
    ])
    func orderOfChecks(request: String, status: Int) async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let reply = try await client.request(request)
        let reason = status == 401 ? "Unauthorized" : "Bad Request"
        #expect(reply.isRefusal(Int64(status), reason), "\(request) → \(reply)")
    }

    /// A request refused after the requestId check echoes the requestId, last, after `message`.
    @Test func refusalsEchoRequestIdLast() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let unauthorized = try await client.request(#"{"requestId":7,"method":"contacts.count","apiKey":"nope"}"#)
        #expect(unauthorized.isRefusal(401, "Unauthorized", requestId: .int(7)), "\(unauthorized)")
        let unknown = try await client.request(#"{"requestId":"x","method":"contacts.nope"}"#)
        #expect(unknown.isRefusal(400, "Bad Request", requestId: .string("x")), "\(unknown)")
        let missing = try await client.request(#"{"method":"contacts.get","apiKey":"\#(Daemon.keyA)","requestId":-3}"#)
        #expect(missing.isRefusal(400, "Bad Request", requestId: .int(-3)), "\(missing)")
        let notFound = try await client.request(
            #"{"method":"contacts.get","apiKey":"\#(Daemon.keyA)","id":"none","requestId":8}"#
        )
        #expect(notFound.isRefusal(404, "Not Found", requestId: .int(8)), "\(notFound)")
    }

    /// Unknown top-level members are ignored and `null` optional fields equal absent ones.
    @Test func unknownMembersAndNullsAreIgnored() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let count = try await client.call(
            #"{"method":"contacts.count","apiKey":"\#(Daemon.keyA)","extra":{"deep":[1,2,{"x":true}]},"id":7}"#
        )
        #expect(count == #"{"statusCode":200,"success":true,"count":0}"#)
        let list = try await client.call(
            #"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":null,"cursor":null}"#
        )
        #expect(list == #"{"statusCode":200,"success":true,"contacts":[],"nextCursor":null}"#)
        let upsert = try await client.call(
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","idempotencyKey":null,"contacts":[{"id":"u","profile":null,"createdAt":null,"other":1}]}"#
        )
        #expect(upsert == #"{"statusCode":200,"success":true,"inserted":["u"],"updated":[],"failed":[]}"#)
    }

    /// Projects never see each other's contacts; two keys of one project see the same contacts.
    @Test func projectsAreIsolated() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.upsert(#"{"id":"shared","profile":{"$set":{"owner":"a"}}}"#).success == true)
        #expect(try await client.get("shared", key: Daemon.keyB).isRefusal(404, "Not Found"))
        #expect(try await client.count(key: Daemon.keyB) == 0)
        #expect(try await client.listAllIds(key: Daemon.keyB) == [])
        #expect(try await client.delete(["shared"], key: Daemon.keyB).strings("notFound") == ["shared"])

        let viaSecondKey = try await client.get("shared", key: Daemon.keyA2)
        #expect(viaSecondKey.contact?["project"] == .string(Daemon.projectA))
        #expect(viaSecondKey.profile?.member("owner") == .string("a"))

        // The same external id in project B is a different contact.
        let insertB = try await client.upsert(#"{"id":"shared","profile":{"$set":{"owner":"b"}}}"#, key: Daemon.keyB)
        #expect(insertB.strings("inserted") == ["shared"])
        let fromB = try await client.get("shared", key: Daemon.keyB)
        #expect(fromB.contact?["project"] == .string(Daemon.projectB))
        #expect(fromB.profile?.member("owner") == .string("b"))
        #expect(fromB.contact?["id"] != viaSecondKey.contact?["id"])
        #expect(try await client.get("shared").profile?.member("owner") == .string("a"))
    }

    /// A `sha256:<hex>` key (either case) selects its project; the digest text is not a key.
    @Test func sha256KeysWork() async throws {
        // Digests computed independently (Python's hashlib).
        let lower = "sha256:9b3633709095b8323fe5b08cdb3a31fc400e9de403a34f0ce7dcc7ff84969ca5"
        let upper = "sha256:" + "c7b4649596fd9c432f246601b890697e2e9d413fbfba8b177ab380ccb1ff7708".uppercased()
        // Project names are 1 to 64 of A-Z a-z 0-9 _ -.
        let project = "Hashed_Project-" + String(repeating: "9", count: 49)
        let daemon = try await Daemon.start(keys: [lower: project, upper: project])
        let client = try daemon.connect()
        #expect(try await client.upsert(#"{"id":"h"}"#, key: "lower-secret").success == true)
        #expect(try await client.get("h", key: "upper-secret").contact?["project"] == .string(project))
        #expect(
            try await client.request(#"{"method":"contacts.count","apiKey":\#(q(lower))}"#).isRefusal(
                401,
                "Unauthorized"
            )
        )
    }
}
