import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md section 13: the contract's own examples of section 5, through `--store`.
struct PostgresContractTests {
    /// The seed example inserts contact 123 and then updates it; get, list, count, delete and
    /// recordMessages answer as documented.
    @Test func contractExamples() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let daemon = try await Daemon.start(store: url)
        let client = try daemon.connect()
        let upsert =
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","contacts":[{"id":"123","profile":{"$set":{"firstName":"Justin","email":"justin.bieber@yopmail.com"},"$inc":{"totalOrders":1}}}]}"#
        #expect(
            try await client.call(upsert)
                == #"{"statusCode":200,"success":true,"inserted":["123"],"updated":[],"failed":[]}"#
        )
        #expect(
            try await client.call(upsert)
                == #"{"statusCode":200,"success":true,"inserted":[],"updated":["123"],"failed":[]}"#
        )
        let contact = try #require(try await client.get("123").contact)
        #expect(contact["externalId"] == .string("123"))
        #expect(contact["project"] == .string(Daemon.projectA))
        #expect(
            contact["profile"]?.sameValue(
                as: try json(#"{"id":"123","firstName":"Justin","email":"justin.bieber@yopmail.com","totalOrders":2}"#)
            ) == true
        )
        #expect(try await client.get("456").isRefusal(404, "Not Found"))
        #expect(try await client.count() == 1)

        let record =
            #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[{"id":"123","at":"2016-10-22T04:31:13Z"},{"id":"nobody"}]}"#
        let recorded = try await client.request(record)
        #expect(recorded.strings("recorded") == ["123"] && recorded.strings("failed") == ["nobody"], "\(recorded)")
        #expect(try await client.get("123").contact?["stats"] == (try json(#"{"2016":{"10":1}}"#)))

        #expect(
            try await client.call(#"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","ids":["123","456","123"]}"#)
                == #"{"statusCode":200,"success":true,"deleted":["123"],"notFound":["456","123"]}"#
        )
        #expect(try await client.count() == 0)
        // Projects never see each other's contacts.
        try await client.insert(["shared"], key: Daemon.keyB)
        #expect(try await client.count() == 0)
        #expect(try await client.count(key: Daemon.keyB) == 1)
    }

    /// `contacts.list` pages in bytewise external-id order with cursors, `nextCursor` null at the end.
    @Test func listPagesInBytewiseOrder() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let daemon = try await Daemon.start(store: url)
        let client = try daemon.connect()
        let ids = ["b", "B", "a", "\u{E9}", "z", "Z0", "10", "9"]
        try await client.insert(ids)
        let expected = ids.sorted(by: ExternalID.precedes)
        #expect(try await client.listAllIds(limit: 3) == expected)
        #expect(try await client.listAllIds(limit: 1000) == expected)
        let last = try await client.request(#"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":8}"#)
        #expect(last["nextCursor"] == .null, "\(last)")
    }

    /// Duplicate ids in one batch apply in order: `$inc` twice adds twice, never "last one wins".
    @Test func duplicateIdsApplyInOrder() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let daemon = try await Daemon.start(store: url)
        let client = try daemon.connect()
        let reply = try await client.upsert(
            #"{"id":"d","profile":{"$inc":{"n":1}}},{"id":"d","profile":{"$inc":{"n":2}}},{"id":"d","profile":{"$push":{"l":1}}}"#
        )
        #expect(reply.strings("inserted") == ["d"] && reply.strings("updated") == ["d", "d"], "\(reply)")
        #expect(try await client.get("d").profile?.sameValue(as: try json(#"{"id":"d","n":3,"l":[1]}"#)) == true)
    }

    /// A retry with the same idempotencyKey is replayed; the same key for another request is a 409.
    @Test func idempotencyReplaysAndConflicts() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let daemon = try await Daemon.start(store: url)
        let client = try daemon.connect()
        let line =
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","idempotencyKey":"k1","contacts":[{"id":"i","profile":{"$inc":{"n":1}}}]}"#
        #expect(
            try await client.call(line)
                == #"{"statusCode":200,"success":true,"inserted":["i"],"updated":[],"failed":[]}"#
        )
        #expect(
            try await client.call(line)
                == #"{"statusCode":200,"success":true,"inserted":["i"],"updated":[],"failed":[],"replayed":true}"#
        )
        let other =
            #"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","idempotencyKey":"k1","ids":["i"]}"#
        #expect(try await client.request(other).isRefusal(409, "Conflict"))
        #expect(try await client.get("i").profile == (try json(#"{"id":"i","n":1}"#)))
    }

    /// With `--store`, SIGTERM stops the daemon cleanly (exit 0) and `--data` gets no journal or
    /// snapshot: the contacts are in the database, where a new daemon finds them.
    @Test func sigtermStopsCleanlyAndDataHoldsNoJournal() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let daemon = try await Daemon.start(store: url)
        try await daemon.connect().insert(["kept"])
        #expect(try await daemon.stop() == .exited(0), "\(daemon.stderr)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: daemon.dataPath)) ?? []
        #expect(files.isEmpty, "\(files)")
        let next = try await Daemon.start(store: url)
        #expect(try await next.connect().listAllIds() == ["kept"])
    }
}
