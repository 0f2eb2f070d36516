import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md sections 4–6: `contacts.upsert` and the contact object.
struct UpsertTests {
    static let seedUpsert =
        #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","contacts":[{"id":"123","profile":{"$set":{"firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com"},"$push":{"tags":"customer"},"$inc":{"totalOrders":1}}}]}"#

    /// The seed's example inserts contact 123 with exactly the documented response and contact.
    @Test func seedExampleInsertsThenUpdates() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let before = Date()
        #expect(
            try await client.call(Self.seedUpsert)
                == #"{"statusCode":200,"success":true,"inserted":["123"],"updated":[],"failed":[]}"#
        )
        let first = try await client.get("123")
        #expect(first.keys == ["statusCode", "success", "contact"])
        let contact = try #require(first.contact)
        #expect(Set(contact.members.map(\.key)) == ContactChecks.fields)
        #expect(contact.count == 7)
        #expect(ContactChecks.isInternalId(contact["id"]), "\(first)")
        #expect(contact["externalId"] == .string("123"))
        #expect(contact["project"] == .string(Daemon.projectA))
        let expectedProfile = try json(
            #"{"id":"123","firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com","tags":["customer"],"totalOrders":1}"#
        )
        #expect(contact["profile"]?.sameValue(as: expectedProfile) == true, "\(first)")
        #expect(contact["stats"] == .object(JSONObject()))
        #expect(ContactChecks.isTimestamp(contact["createdAt"]), "\(first)")
        #expect(ContactChecks.isTimestamp(contact["updatedAt"]), "\(first)")
        #expect(contact["createdAt"] == contact["updatedAt"])
        let created = try #require(ContactChecks.date(contact["createdAt"]))
        #expect(abs(created.timeIntervalSince(before)) < 60)

        try await pause(.milliseconds(5))
        #expect(
            try await client.call(Self.seedUpsert)
                == #"{"statusCode":200,"success":true,"inserted":[],"updated":["123"],"failed":[]}"#
        )
        let second = try #require(try await client.get("123").contact)
        let expectedAfter = try json(
            #"{"id":"123","firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com","tags":["customer","customer"],"totalOrders":2}"#
        )
        #expect(second["profile"]?.sameValue(as: expectedAfter) == true, "\(second)")
        #expect(second["id"] == contact["id"])
        #expect(second["createdAt"] == contact["createdAt"])
        let updated = try #require(ContactChecks.date(second["updatedAt"]))
        #expect(updated > created)
        #expect(try await client.count() == 1)
    }

    /// A contact inserted without a profile starts as `{"id": externalId}` with empty stats.
    @Test func insertWithoutProfile() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(
            try await client.upsert(#"{"id":"bare"},{"id":"empty","profile":{}}"#).strings("inserted") == [
                "bare", "empty",
            ]
        )
        let bare = try await client.get("bare")
        #expect(bare.profile == (try json(#"{"id":"bare"}"#)))
        #expect(bare.contact?["stats"] == .object(JSONObject()))
        #expect(try await client.get("empty").profile == (try json(#"{"id":"empty"}"#)))
    }

    /// Failed entries go to `failed` (id or `""`) and `errors` with their index; the others apply.
    @Test func failedEntriesAreReportedAndOthersApply() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let longId = String(repeating: "x", count: 257)
        let reply = try await client.upsert(
            [
                #"{"id":""}"#,
                #"{"id":5}"#,
                #""not an object""#,
                #"{"id":"ok","profile":{"$set":{"a":1}}}"#,
                #"{"profile":{}}"#,
                #"{"id":"x","profile":{"$bogus":{"a":1}}}"#,
                #"{"id":"y","profile":{"$set":{"id":"other"}}}"#,
                #"{"id":"z","createdAt":"yesterday"}"#,
                #"{"id":\#(q(longId))}"#,
                #"{"id":"ctl\u0001"}"#,
                #"{"id":"w","profile":5}"#,
                #"{"id":"v","profile":{"$set":5}}"#,
                #"null"#,
                #"{"id":"ok2"}"#,
            ].joined(separator: ",")
        )
        #expect(reply.status == 200)
        #expect(reply.success == false)
        #expect(reply.keys == ["statusCode", "success", "inserted", "updated", "failed", "errors"])
        #expect(reply.strings("inserted") == ["ok", "ok2"])
        #expect(reply.strings("updated") == [])
        let failed = ["", "", "", "", "x", "y", "z", longId, "ctl\u{1}", "w", "v", ""]
        #expect(reply.strings("failed") == failed)
        let errors = try #require(reply["errors"]?.asArray)
        #expect(errors.count == failed.count)
        let indexes: [Int64] = [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        for (position, error) in errors.enumerated() where position < failed.count {
            #expect(error.asObject?.members.map(\.key) == ["index", "id", "error"], "\(error)")
            #expect(error.member("index") == .int(indexes[position]))
            #expect(error.member("id") == .string(failed[position]))
            #expect(error.member("error")?.asString?.isEmpty == false)
        }
        for id in ["x", "y", "z", "w", "v"] {
            #expect(try await client.get(id).isRefusal(404, "Not Found"), "\(id)")
        }
        #expect(try await client.count() == 2)
    }

    /// An entry is atomic: one failing operator applies none and keeps `updatedAt`; no insert.
    @Test func entriesAreAtomic() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.upsert(#"{"id":"at","profile":{"$set":{"n":1,"s":"text"}}}"#).success == true)
        let before = try await client.get("at")
        try await pause(.milliseconds(5))
        let reply = try await client.upsert(
            #"{"id":"at","profile":{"$set":{"m":1},"$inc":{"s":1}}},{"id":"new","profile":{"$set":{"a":1},"$inc":{"b":"x"}}}"#
        )
        #expect(reply.strings("failed") == ["at", "new"])
        #expect(reply.success == false)
        #expect(try await client.get("at").raw == before.raw)
        #expect(try await client.get("new").isRefusal(404, "Not Found"))
        #expect(try await client.count() == 1)
    }

    /// An id twice in one request applies twice, in order: inserted then updated.
    @Test func sameIdTwiceAppliesTwice() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let reply = try await client.upsert(
            #"{"id":"d","profile":{"$inc":{"n":1},"$push":{"log":"a"}}},{"id":"d","profile":{"$inc":{"n":1},"$push":{"log":"b"}}}"#
        )
        #expect(reply.raw == #"{"statusCode":200,"success":true,"inserted":["d"],"updated":["d"],"failed":[]}"#)
        #expect(
            try await client.get("d").profile?.sameValue(as: try json(#"{"id":"d","n":2,"log":["a","b"]}"#)) == true
        )
    }

    /// `createdAt` is used on insert only (UTC, ms); an invalid one fails the entry even on update.
    @Test func createdAtOnInsertOnly() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let reply = try await client.upsert(
            [
                #"{"id":"c1","createdAt":"2016-10-22T06:31:13.5899+02:00"}"#,
                #"{"id":"c2","createdAt":"2016-10-22T04:31:13Z"}"#,
                #"{"id":"c3","createdAt":"2016-12-31T23:30:00.5-01:00"}"#,
                #"{"id":"c4","createdAt":"2016-02-30T00:00:00Z"}"#,
                #"{"id":"c5","createdAt":"2016-10-22"}"#,
                #"{"id":"c6","createdAt":"2016-10-22T04:31:13"}"#,
                #"{"id":"c7","createdAt":5}"#,
            ].joined(separator: ",")
        )
        #expect(reply.strings("inserted") == ["c1", "c2", "c3"])
        #expect(reply.strings("failed") == ["c4", "c5", "c6", "c7"])
        let c1 = try #require(try await client.get("c1").contact)
        #expect(c1["createdAt"] == .string("2016-10-22T04:31:13.589Z"))
        #expect(c1["updatedAt"] != c1["createdAt"])
        #expect(ContactChecks.isTimestamp(c1["updatedAt"]))
        #expect(try await client.get("c2").contact?["createdAt"] == .string("2016-10-22T04:31:13.000Z"))
        #expect(try await client.get("c3").contact?["createdAt"] == .string("2017-01-01T00:30:00.500Z"))
        for id in ["c4", "c5", "c6", "c7"] {
            #expect(try await client.get(id).isRefusal(404, "Not Found"))
        }

        let again = try await client.upsert(
            #"{"id":"c1","createdAt":"2020-01-01T00:00:00Z"},{"id":"c2","createdAt":"not a date","profile":{"$set":{"x":1}}}"#
        )
        #expect(again.strings("updated") == ["c1"])
        #expect(again.strings("failed") == ["c2"])
        #expect(try await client.get("c1").contact?["createdAt"] == .string("2016-10-22T04:31:13.589Z"))
        #expect(try await client.get("c2").profile == (try json(#"{"id":"c2"}"#)))
    }

    /// An entry that leaves the profile's JSON text unchanged keeps `updatedAt`; `1` → `1.0` is a change.
    @Test func noOpEntryKeepsUpdatedAt() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.upsert(#"{"id":"a","profile":{"$set":{"n":1,"list":[1,2]}}}"#).success == true)
        let original = try await client.get("a")
        for entry in [
            #"{"id":"a"}"#,
            #"{"id":"a","profile":{}}"#,
            #"{"id":"a","profile":null}"#,
            #"{"id":"a","profile":{"$set":{}}}"#,
            #"{"id":"a","profile":{"$set":{"n":1}}}"#,
            #"{"id":"a","profile":{"$unset":{"missing":""}}}"#,
            #"{"id":"a","profile":{"$addToSet":{"list":2}}}"#,
            #"{"id":"a","profile":{"$setOnInsert":{"n":5}}}"#,
            #"{"id":"a","profile":{"$max":{"n":0}}}"#,
        ] {
            try await pause(.milliseconds(3))
            let reply = try await client.upsert(entry)
            #expect(
                reply.raw == #"{"statusCode":200,"success":true,"inserted":[],"updated":["a"],"failed":[]}"#,
                "\(entry)"
            )
            #expect(try await client.get("a").raw == original.raw, "\(entry)")
        }
        try await pause(.milliseconds(3))
        #expect(try await client.upsert(#"{"id":"a","profile":{"$set":{"n":1.0}}}"#).strings("updated") == ["a"])
        let changed = try await client.get("a")
        #expect(changed.raw.contains(#""n":1.0"#), "\(changed)")
        #expect(changed.contact?["updatedAt"] != original.contact?["updatedAt"])
    }

    /// Numbers print as section 4 says: ints as ints, doubles shortest with `.`/exponent, `-0.0`.
    @Test func numbersPrintAsDocumented() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let reply = try await client.upsert(
            #"{"id":"num","profile":{"$set":{"a":1e-400,"b":-1e-400,"c":1E21,"d":2.50,"e":9223372036854775808,"f":-0,"g":1.0,"h":0.1,"i":-9223372036854775808,"j":1e2,"k":12345.678}}}"#
        )
        #expect(reply.success == true, "\(reply)")
        let line = try await client.get("num").raw
        for fragment in [
            #""a":0.0"#, #""b":-0.0"#, #""c":1e+21"#, #""d":2.5,"#, #""e":9.223372036854776e+18"#, #""f":0,"#,
            #""g":1.0"#, #""h":0.1"#, #""i":-9223372036854775808"#, #""j":100.0"#, #""k":12345.678"#,
        ] {
            #expect(line.contains(fragment), "\(fragment) not in \(line)")
        }
    }

    /// A profile may never lose or change `profile.id`; setting it to the external id is accepted.
    @Test func profileIdIsProtected() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(
            try await client.upsert(#"{"id":"p1","profile":{"$set":{"id":"p1","k":1}}}"#).strings("inserted") == ["p1"]
        )
        let reply = try await client.upsert(
            [
                #"{"id":"p1","profile":{"$set":{"id":"other"}}}"#,
                #"{"id":"p1","profile":{"$unset":{"id":""}}}"#,
                #"{"id":"p1","profile":{"$rename":{"id":"old"}}}"#,
                #"{"id":"p1","profile":{"$rename":{"k":"id"}}}"#,
                #"{"id":"p1","profile":{"$inc":{"id":1}}}"#,
                #"{"id":"p2","profile":{"$set":{"id":"not-p2"}}}"#,
                #"{"id":"p1","profile":{"$set":{"id":"p1"}}}"#,
            ].joined(separator: ",")
        )
        #expect(reply.strings("failed") == ["p1", "p1", "p1", "p1", "p1", "p2"])
        #expect(reply.strings("updated") == ["p1"])
        #expect(try await client.get("p1").profile?.sameValue(as: try json(#"{"id":"p1","k":1}"#)) == true)
        #expect(try await client.get("p2").isRefusal(404, "Not Found"))
    }

    /// Stored member names may not be empty, start with `$` or contain `.`; dotted paths create objects.
    @Test func storedMemberNamesAreChecked() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let reply = try await client.upsert(
            [
                #"{"id":"m","profile":{"$set":{"address.city":"Paris"}}}"#,
                #"{"id":"m","profile":{"$set":{"x":{"a.b":1}}}}"#,
                #"{"id":"m","profile":{"$set":{"x":{"$y":1}}}}"#,
                #"{"id":"m","profile":{"$set":{"x":{"":1}}}}"#,
                #"{"id":"m","profile":{"$set":{"x":[{"ok":{"$bad":1}}]}}}"#,
                #"{"id":"m","profile":{"$set":{"":1}}}"#,
                #"{"id":"m","profile":{"$set":{"$top":1}}}"#,
            ].joined(separator: ",")
        )
        #expect(reply.strings("inserted") == ["m"])
        #expect(reply.strings("failed") == ["m", "m", "m", "m", "m", "m"])
        #expect(
            try await client.get("m").profile?.sameValue(as: try json(#"{"id":"m","address":{"city":"Paris"}}"#))
                == true
        )
    }

    /// A handful of section 6 operators applied through the daemon give MongoDB's results.
    @Test func updateOperatorsThroughTheDaemon() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let insert = try await client.upsert(
            #"{"id":"op","profile":{"$set":{"a":{"b":1},"arr":[3,1,2],"old":"v"},"$setOnInsert":{"since":2016},"$inc":{"n":5},"$mul":{"m":3}}}"#
        )
        #expect(insert.strings("inserted") == ["op"])
        let update = try await client.upsert(
            #"{"id":"op","profile":{"$setOnInsert":{"since":1999},"$unset":{"a.b":""},"$push":{"arr":{"$each":[5,4],"$sort":1,"$slice":-3}},"$rename":{"old":"new"},"$min":{"n":2},"$max":{"top":7},"$inc":{"f":0.5}}}"#
        )
        #expect(update.strings("updated") == ["op"], "\(update)")
        let pulled = try await client.upsert(
            #"{"id":"op","profile":{"$pull":{"arr":{"$gte":5}},"$addToSet":{"tags":{"$each":["a","b","a"]}},"$pop":{"missing":1}}}"#
        )
        #expect(pulled.strings("updated") == ["op"], "\(pulled)")
        let expected = try json(
            #"{"id":"op","a":{},"arr":[3,4],"new":"v","since":2016,"n":2,"m":0,"top":7,"f":0.5,"tags":["a","b"]}"#
        )
        let profile = try #require(try await client.get("op").profile)
        #expect(profile.sameValue(as: expected), "\(profile)")
    }

    /// `$currentDate` writes the same millisecond timestamp for every entry of one request.
    @Test func currentDateIsOneInstantPerRequest() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let reply = try await client.upsert(
            (0..<20).map {
                #"{"id":"cd\#($0)","profile":{"$currentDate":{"seen":\#($0 % 2 == 0 ? "true" : #"{"$type":"date"}"#)}}}"#
            }
            .joined(separator: ",") + #",{"id":"bad","profile":{"$currentDate":{"seen":{"$type":"timestamp"}}}}"#
        )
        #expect(reply.strings("failed") == ["bad"], "\(reply)")
        var seen: Set<String> = []
        for index in 0..<20 {
            let value = try await client.get("cd\(index)").profile?.member("seen")
            #expect(ContactChecks.isTimestamp(value), "\(String(describing: value))")
            if let text = value?.asString { seen.insert(text) }
        }
        #expect(seen.count == 1)
    }

    /// An empty `contacts` array, or one over 50 entries, refuses the whole request; exactly 50 is fine.
    @Test func batchLimitDefaultFifty() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let fifty = (0..<50).map { #"{"id":"b\#($0)"}"# }.joined(separator: ",")
        let accepted = try await client.upsert(fifty)
        #expect(accepted.strings("inserted")?.count == 50)
        let over = try await client.call(
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","contacts":[\#(fifty),{"id":"b50"}]}"#
        )
        #expect(
            over
                == #"{"statusCode":400,"success":false,"error":"Bad Request","message":"contacts: at most 50 entries, got 51"}"#
        )
        #expect(try await client.upsert("").isRefusal(400, "Bad Request"))
        #expect(try await client.count() == 50)
    }
}
