import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md section 5: `contacts.delete`.
struct DeleteTests {
    /// An id repeated in `ids` is deleted once and then reported not found; absent ids are not found.
    @Test func repeatedIdDeletedOnceThenNotFound() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["a", "b"])
        let reply = try await client.call(
            #"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","ids":["a","a","zz","b"],"requestId":"d"}"#
        )
        #expect(
            reply == #"{"statusCode":200,"success":true,"deleted":["a","b"],"notFound":["a","zz"],"requestId":"d"}"#
        )
        #expect(
            try await client.delete(["a"]).raw == #"{"statusCode":200,"success":true,"deleted":[],"notFound":["a"]}"#
        )
    }

    /// A deleted contact is gone from get, list and count.
    @Test func deletedContactIsGoneEverywhere() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["a", "b", "c"])
        #expect(try await client.delete(["b"]).strings("deleted") == ["b"])
        #expect(try await client.get("b").isRefusal(404, "Not Found"))
        #expect(try await client.listAllIds() == ["a", "c"])
        #expect(try await client.count() == 2)
    }

    /// A deleted then re-upserted contact is a new contact: new internal id, fresh profile, stats and createdAt.
    @Test func reinsertGetsNewInternalId() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(
            try await client.upsert(#"{"id":"r","createdAt":"2016-01-01T00:00:00Z","profile":{"$set":{"x":1}}}"#)
                .success == true
        )
        #expect(
            try await client.request(
                #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[{"id":"r","at":"2016-01-02T00:00:00Z"}]}"#
            ).success == true
        )
        let old = try #require(try await client.get("r").contact)
        #expect(try await client.delete(["r"]).strings("deleted") == ["r"])
        let reinsert = try await client.upsert(#"{"id":"r"}"#)
        #expect(reinsert.strings("inserted") == ["r"])
        let new = try #require(try await client.get("r").contact)
        #expect(ContactChecks.isInternalId(new["id"]))
        #expect(new["id"] != old["id"])
        #expect(new["profile"] == (try json(#"{"id":"r"}"#)))
        #expect(new["stats"] == .object(JSONObject()))
        #expect(new["createdAt"] != .string("2016-01-01T00:00:00.000Z"))
    }

    /// An invalid id anywhere in `ids` refuses the whole request (400) and deletes nothing.
    @Test(arguments: [
        #"["ok",""]"#, #"["ok",5]"#, #"["ok",null]"#, #"["ok",\#(q(String(repeating: "x", count: 257)))]"#,
        #"["ok","a\u0001"]"#,
    ])
    func invalidIdRefusesWholeRequest(ids: String) async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["ok"])
        let reply = try await client.request(#"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","ids":\#(ids)}"#)
        #expect(reply.isRefusal(400, "Bad Request"), "\(reply)")
        #expect(reply.message?.contains("1") == true, "the message names index 1: \(reply)")
        #expect(try await client.get("ok").status == 200)
    }

    /// `ids` must be a non-empty array of at most 50; exactly 50 and a 256-byte id are fine.
    @Test func idsBatchBounds() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let long = String(repeating: "é", count: 128)
        try await client.insert([long])
        let fifty = (0..<49).map { q("x\($0)") }.joined(separator: ",") + "," + q(long)
        let accepted = try await client.request(
            #"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","ids":[\#(fifty)]}"#
        )
        #expect(accepted.strings("deleted") == [long])
        #expect(accepted.strings("notFound")?.count == 49)
        for ids in ["[\(fifty),\"y\"]", "[]", "\"a\"", "{}", "null"] {
            let reply = try await client.request(
                #"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","ids":\#(ids)}"#
            )
            #expect(reply.isRefusal(400, "Bad Request"), "\(ids.prefix(20)): \(reply)")
        }
    }
}
