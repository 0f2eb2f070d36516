import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md section 11: `idempotencyKey` replays and conflicts.
struct IdempotencyTests {
    private static func upsertLine(
        _ key: String,
        _ contacts: String,
        requestId: String? = nil,
        apiKey: String = Daemon.keyA
    ) -> String {
        let id = requestId.map { #","requestId":\#($0)"# } ?? ""
        return
            #"{"method":"contacts.upsert","apiKey":\#(q(apiKey)),"idempotencyKey":\#(q(key)),"contacts":[\#(contacts)]\#(id)}"#
    }

    /// Same key, same request: applied once, then the remembered reply with `replayed` before requestId.
    @Test func sameKeySameRequestReplays() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let contacts = #"{"id":"i1","profile":{"$inc":{"n":1},"$push":{"log":"x"}}}"#
        let first = try await client.call(Self.upsertLine("order-1", contacts, requestId: "1"))
        #expect(first == #"{"statusCode":200,"success":true,"inserted":["i1"],"updated":[],"failed":[],"requestId":1}"#)
        let replay = try await client.call(Self.upsertLine("order-1", contacts, requestId: "2"))
        #expect(
            replay
                == #"{"statusCode":200,"success":true,"inserted":["i1"],"updated":[],"failed":[],"replayed":true,"requestId":2}"#
        )
        let noId = try await client.call(Self.upsertLine("order-1", contacts, apiKey: Daemon.keyA2))
        #expect(
            noId == #"{"statusCode":200,"success":true,"inserted":["i1"],"updated":[],"failed":[],"replayed":true}"#
        )
        // Members reordered, at every level.
        let reordered =
            #"{"contacts":[{"profile":{"$push":{"log":"x"},"$inc":{"n":1}},"id":"i1"}],"requestId":3,"idempotencyKey":"order-1","apiKey":"\#(Daemon.keyA)","method":"contacts.upsert"}"#
        #expect(
            try await client.call(reordered)
                == #"{"statusCode":200,"success":true,"inserted":["i1"],"updated":[],"failed":[],"replayed":true,"requestId":3}"#
        )
        #expect(try await client.get("i1").profile?.sameValue(as: try json(#"{"id":"i1","n":1,"log":["x"]}"#)) == true)
    }

    /// Keys compare as bytes: "café" in NFC and in NFD are two keys, each applied once.
    @Test func keysCompareAsBytes() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let composed = try await client.request(Self.upsertLine("caf\u{E9}", #"{"id":"u","profile":{"$inc":{"n":1}}}"#))
        #expect(composed.status == 200 && composed["replayed"] == nil, "\(composed)")
        let decomposed = try await client.request(
            Self.upsertLine("cafe\u{301}", #"{"id":"u","profile":{"$inc":{"n":2}}}"#)
        )
        #expect(decomposed.status == 200 && decomposed["replayed"] == nil, "\(decomposed)")
        #expect(try await client.get("u").profile?.sameValue(as: try json(#"{"id":"u","n":3}"#)) == true)
    }

    /// A retry that adds or drops `null` members (`"profile": null`, nested ones) replays.
    @Test func nullEqualsAbsentInRetries() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.request(Self.upsertLine("n1", #"{"id":"z"}"#)).success == true)
        let retry = try await client.request(Self.upsertLine("n1", #"{"id":"z","profile":null,"createdAt":null}"#))
        #expect(retry.status == 200 && retry["replayed"] == .bool(true), "\(retry)")
        #expect(
            try await client.request(Self.upsertLine("n2", #"{"id":"y","profile":{"$set":{"a":{"b":1,"c":null}}}}"#))
                .success == true
        )
        let nested = try await client.request(Self.upsertLine("n2", #"{"id":"y","profile":{"$set":{"a":{"b":1}}}}"#))
        #expect(nested.status == 200 && nested["replayed"] == .bool(true), "\(nested)")
    }

    /// The same key with a different request is a 409 Conflict that changes nothing.
    @Test func sameKeyDifferentRequestConflicts() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(
            try await client.request(Self.upsertLine("k", #"{"id":"c","profile":{"$inc":{"n":1}}}"#)).success == true
        )
        let conflict = try await client.request(
            Self.upsertLine("k", #"{"id":"c","profile":{"$inc":{"n":2}}}"#, requestId: "9")
        )
        #expect(conflict.isRefusal(409, "Conflict", requestId: .int(9)), "\(conflict)")
        let otherMethod = try await client.request(
            #"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","idempotencyKey":"k","ids":["c"]}"#
        )
        #expect(otherMethod.isRefusal(409, "Conflict"), "\(otherMethod)")
        let messages = try await client.request(
            #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","idempotencyKey":"k","messages":[{"id":"c"}]}"#
        )
        #expect(messages.isRefusal(409, "Conflict"), "\(messages)")
        let contact = try await client.get("c")
        #expect(contact.profile?.member("n") == .int(1))
        #expect(contact.contact?["stats"] == .object(JSONObject()))
    }

    /// A request refused as a whole remembers nothing: the key is still free afterwards.
    @Test func refusedRequestRemembersNothing() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let refused = try await client.request(
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","idempotencyKey":"free","contacts":[]}"#
        )
        #expect(refused.isRefusal(400, "Bad Request"))
        let applied = try await client.call(Self.upsertLine("free", #"{"id":"f"}"#))
        #expect(applied == #"{"statusCode":200,"success":true,"inserted":["f"],"updated":[],"failed":[]}"#)
    }

    /// Keys belong to a project: the same key in another project is applied there.
    @Test func keysArePerProject() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let contacts = #"{"id":"p","profile":{"$inc":{"n":1}}}"#
        #expect(try await client.request(Self.upsertLine("same", contacts)).success == true)
        let inB = try await client.call(Self.upsertLine("same", contacts, apiKey: Daemon.keyB))
        #expect(inB == #"{"statusCode":200,"success":true,"inserted":["p"],"updated":[],"failed":[]}"#)
    }

    /// A replayed delete and recordMessages return their first response and apply nothing again.
    @Test func deleteAndRecordMessagesReplay() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["a", "b"])
        let record =
            #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","idempotencyKey":"m1","messages":[{"id":"b","at":"2016-01-01T00:00:00Z"}]}"#
        #expect(try await client.call(record) == #"{"statusCode":200,"success":true,"recorded":["b"],"failed":[]}"#)
        #expect(
            try await client.call(record)
                == #"{"statusCode":200,"success":true,"recorded":["b"],"failed":[],"replayed":true}"#
        )
        #expect(try await client.get("b").contact?["stats"]?.sameValue(as: try json(#"{"2016":{"1":1}}"#)) == true)

        let delete = #"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","idempotencyKey":"d1","ids":["a"]}"#
        #expect(try await client.call(delete) == #"{"statusCode":200,"success":true,"deleted":["a"],"notFound":[]}"#)
        try await client.insert(["a"])
        #expect(
            try await client.call(delete)
                == #"{"statusCode":200,"success":true,"deleted":["a"],"notFound":[],"replayed":true}"#
        )
        #expect(try await client.get("a").status == 200)
    }

    /// A response with failed entries is remembered too, errors included.
    @Test func partialFailureIsReplayed() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let line = Self.upsertLine("pf", #"{"id":"ok"},{"id":""}"#)
        let first = try await client.call(line)
        #expect(
            first.hasPrefix(
                #"{"statusCode":200,"success":false,"inserted":["ok"],"updated":[],"failed":[""],"errors":[{"index":1,"id":"","error":"#
            )
        )
        let replay = try await client.call(line)
        #expect(replay == String(first.dropLast()) + #","replayed":true}"#)
    }

    /// `idempotencyKey` is 1 to 128 bytes: 128 is accepted, 129, empty or a non-string is a 400.
    @Test func keyLengthBounds() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let longest = String(repeating: "é", count: 64)
        #expect(try await client.request(Self.upsertLine(longest, #"{"id":"k128"}"#)).strings("inserted") == ["k128"])
        #expect(try await client.request(Self.upsertLine(longest, #"{"id":"k128"}"#))["replayed"] == .bool(true))
        for key in [q(longest + "x"), q(String(repeating: "k", count: 129)), #""""#, "5", "true", "[]"] {
            let line =
                #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","idempotencyKey":\#(key),"contacts":[{"id":"bad"}]}"#
            #expect(try await client.request(line).isRefusal(400, "Bad Request"), "\(key.prefix(10))")
        }
        #expect(try await client.get("bad").isRefusal(404, "Not Found"))
    }

    /// Duplicates pipelined on several connections at once apply exactly once.
    @Test func concurrentDuplicatesApplyOnce() async throws {
        let daemon = try await Daemon.start()
        let clients = try (0..<4).map { _ in try daemon.connect() }
        let lines = (0..<25).map { Self.upsertLine("con-\($0 % 5)", #"{"id":"cc","profile":{"$inc":{"n":1}}}"#) + "\n" }
            .joined()
        for client in clients { try await client.send(lines) }
        var replayed = 0
        for client in clients {
            for _ in 0..<25 {
                let reply = try await client.readResponse()
                #expect(reply.status == 200)
                if reply["replayed"] == .bool(true) { replayed += 1 }
            }
        }
        #expect(replayed == 95)
        #expect(try await clients[0].get("cc").profile?.member("n") == .int(5))
    }
}
