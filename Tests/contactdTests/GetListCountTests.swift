import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md section 5: `contacts.get`, `contacts.list` and `contacts.count`.
struct GetListCountTests {
    /// `contacts.get` of an absent id is a 404 with the documented members, and the id is not created.
    @Test func getAbsentIsNotFound() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let reply = try await client.get("missing")
        #expect(reply.isRefusal(404, "Not Found"), "\(reply)")
        #expect(try await client.count() == 0)
    }

    /// An invalid id in `contacts.get` (empty, 257 bytes, control characters, not a string) is a 400.
    @Test(arguments: [
        #""""#, q(String(repeating: "i", count: 257)), q(String(repeating: "é", count: 128) + "x"),
        #""a\u0000b""#, #""tab\there""#, #""del\u007f""#, "5", "true", "[]", #"{"id":"x"}"#,
    ])
    func getInvalidIdIsBadRequest(id: String) async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let reply = try await client.request(#"{"method":"contacts.get","apiKey":"\#(Daemon.keyA)","id":\#(id)}"#)
        #expect(reply.isRefusal(400, "Bad Request"), "\(reply)")
    }

    /// `contacts.list` orders by external id bytewise (UTF-8 bytes, no normalisation).
    @Test func listOrdersBytewise() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let ids = ["b", "a", "B", "é", "e\u{301}", "aa", "a b", "Z", "10", "9", "z", "~", "日本", "\u{7e}x", "a\u{80}"]
        try await client.insert(ids)
        let sorted = ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(try await client.listAllIds() == sorted)
        #expect(try await client.listAllIds(limit: 1) == sorted)
        #expect(try await client.count() == Int64(ids.count))
        // Precomposed and decomposed forms are different contacts.
        #expect(try await client.get("é").contact?["externalId"] == .string("é"))
        #expect(try await client.get("e\u{301}").contact?["externalId"]?.asString?.utf8.count == 3)
    }

    /// An empty project lists nothing with `nextCursor` null, and counts 0.
    @Test func emptyProject() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(
            try await client.call(#"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)"}"#)
                == #"{"statusCode":200,"success":true,"contacts":[],"nextCursor":null}"#
        )
        #expect(
            try await client.call(#"{"method":"contacts.count","apiKey":"\#(Daemon.keyA)"}"#)
                == #"{"statusCode":200,"success":true,"count":0}"#
        )
    }

    /// `nextCursor` is null exactly when no contact sorts after the page's last one.
    @Test func nextCursorNullExactlyAtTheEnd() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["a", "b", "c", "d"])
        func page(_ limit: Int, _ cursor: String? = nil) async throws -> Response {
            let cursorField = cursor.map { #","cursor":\#(q($0))"# } ?? ""
            return try await client.request(
                #"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":\#(limit)\#(cursorField)}"#
            )
        }
        let first = try await page(2)
        #expect(first.keys == ["statusCode", "success", "contacts", "nextCursor"])
        #expect(first["contacts"]?.asArray?.compactMap { $0.member("externalId")?.asString } == ["a", "b"])
        let cursor = try #require(first["nextCursor"]?.asString)
        let second = try await page(2, cursor)
        #expect(second["contacts"]?.asArray?.compactMap { $0.member("externalId")?.asString } == ["c", "d"])
        #expect(second["nextCursor"] == .null)
        #expect(try await page(4)["nextCursor"] == .null)
        #expect(try await page(1000)["nextCursor"] == .null)
        let three = try await page(3)
        let afterThree = try #require(three["nextCursor"]?.asString)
        let last = try await page(3, afterThree)
        #expect(last["contacts"]?.asArray?.count == 1)
        #expect(last["nextCursor"] == .null)
        // A cursor of the last page stays valid: what sorts after it is empty.
        try await client.insert(["e"])
        let grown = try await page(3, afterThree)
        #expect(grown["contacts"]?.asArray?.compactMap { $0.member("externalId")?.asString } == ["d", "e"])
        #expect(grown["nextCursor"] == .null)
    }

    /// The contacts in a list page are full contact objects, identical to what get returns.
    @Test func listedContactsMatchGet() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.upsert(#"{"id":"l1","profile":{"$set":{"name":"x"}}},{"id":"l2"}"#).success == true)
        let list = try await client.request(#"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)"}"#)
        let listed = try #require(list["contacts"]?.asArray)
        #expect(listed.count == 2)
        for item in listed {
            let id = try #require(item.member("externalId")?.asString)
            let got = try await client.get(id)
            #expect(got.contact.map { JSON.object($0) } == item)
        }
    }

    /// The default page is 100 contacts; paging continues from the cursor.
    @Test func defaultLimitIsOneHundred() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let ids = (0..<130).map { String(format: "id%03d", $0) }
        try await client.insert(ids)
        let first = try await client.request(#"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)"}"#)
        #expect(first["contacts"]?.asArray?.count == 100)
        let cursor = try #require(first["nextCursor"]?.asString)
        let second = try await client.request(
            #"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","cursor":\#(q(cursor))}"#
        )
        #expect(second["contacts"]?.asArray?.compactMap { $0.member("externalId")?.asString } == Array(ids[100...]))
        #expect(second["nextCursor"] == .null)
        #expect(try await client.count() == 130)
    }

    /// `limit` 1 and 1000 are accepted; 0, 1001, negative and non-integers are 400.
    @Test func listLimitBounds() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert((0..<1001).map { String(format: "n%04d", $0) })
        let thousand = try await client.request(#"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":1000}"#)
        #expect(thousand["contacts"]?.asArray?.count == 1000)
        #expect(thousand["nextCursor"]?.asString != nil)
        let one = try await client.request(#"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":1}"#)
        #expect(one["contacts"]?.asArray?.count == 1)
        for limit in ["0", "1001", "-1", "\"10\"", "1.5", "true", "99999999999999999999"] {
            let reply = try await client.request(
                #"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":\#(limit)}"#
            )
            #expect(reply.isRefusal(400, "Bad Request"), "limit \(limit): \(reply)")
        }
    }

    /// A cursor that cannot be decoded (or is not a string) is a 400.
    @Test(arguments: [
        #""garbage""#, #""""#, #""c1.zz""#, #""c1.0""#, #""c1.""#, #""C1.61""#, "5", "[]", #"{"after":"a"}"#,
    ])
    func undecodableCursorIsBadRequest(cursor: String) async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["a", "b"])
        let reply = try await client.request(
            #"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","cursor":\#(cursor)}"#
        )
        #expect(reply.isRefusal(400, "Bad Request"), "\(reply)")
    }

    /// Paging by 2 amid inserts and deletes returns each contact present throughout exactly once.
    @Test func pagingWhileWritingSeesStableContactsOnce() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let writer = try daemon.connect()
        let initial = (0..<40).map { String(format: "k%02d", $0) }
        try await client.insert(initial)
        let stable = Set(initial.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        var volatile = initial.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)

        var seen: [String] = []
        var cursor: String?
        var round = 0
        repeat {
            let cursorField = cursor.map { #","cursor":\#(q($0))"# } ?? ""
            let page = try await client.request(
                #"{"method":"contacts.list","apiKey":"\#(Daemon.keyA)","limit":2\#(cursorField)}"#
            )
            let ids = try #require(page["contacts"]?.asArray).compactMap { $0.member("externalId")?.asString }
            seen += ids
            cursor = page["nextCursor"]?.asString
            // Between pages: delete a volatile id (sometimes the one the cursor names), insert new ids
            // before and after the cursor.
            if let last = ids.last, !volatile.isEmpty {
                let victim = volatile.contains(last) ? last : volatile[(round * 7) % volatile.count]
                volatile.removeAll { $0 == victim }
                #expect(try await writer.delete([victim]).strings("deleted") == [victim])
            }
            try await writer.insert(["k\(String(format: "%02d", round % 40))x\(round)", "a\(round)", "z\(round)"])
            round += 1
        } while cursor != nil && round < 200
        #expect(cursor == nil)
        for id in stable {
            #expect(seen.filter { $0 == id }.count == 1, "\(id) seen \(seen.filter { $0 == id }.count) times")
        }
        #expect(Set(seen).count == seen.count, "duplicates in \(seen)")
        #expect(seen == seen.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    /// `contacts.count` follows inserts and deletes, per project.
    @Test func countFollowsWrites() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["a", "b", "c"])
        #expect(try await client.count() == 3)
        _ = try await client.delete(["b"])
        #expect(
            try await client.call(#"{"method":"contacts.count","apiKey":"\#(Daemon.keyA)","requestId":1}"#)
                == #"{"statusCode":200,"success":true,"count":2,"requestId":1}"#
        )
        #expect(try await client.count(key: Daemon.keyB) == 0)
    }
}
