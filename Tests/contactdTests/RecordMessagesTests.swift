import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md section 5: `contacts.recordMessages` and `stats`.
struct RecordMessagesTests {
    /// Messages count by UTC year and month (offsets converted), months without a leading zero.
    @Test func statsByUTCYearAndMonth() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["123"])
        let reply = try await client.call(
            #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[{"id":"123","at":"2016-10-22T04:31:13Z"},{"id":"123","at":"2016-10-31T23:30:00-02:00"},{"id":"123","at":"2016-12-31T23:59:59.999Z"},{"id":"123","at":"2017-01-01T00:30:00+01:00"},{"id":"123","at":"2016-10-01T00:00:00Z"}]}"#
        )
        #expect(reply == #"{"statusCode":200,"success":true,"recorded":["123","123","123","123","123"],"failed":[]}"#)
        let stats = try #require(try await client.get("123").contact?["stats"])
        #expect(stats.sameValue(as: try json(#"{"2016":{"10":2,"11":1,"12":2}}"#)), "\(stats)")
    }

    /// Messages for unknown contacts or with a bad id or `at` fail, create nothing and are in `errors`.
    @Test func failedMessagesAreReported() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["known"])
        let reply = try await client.request(
            #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[{"id":"known","at":"2020-05-05T00:00:00Z"},{"id":"nobody"},{"id":"known","at":"2016-13-01T00:00:00Z"},{"id":"known","at":"yesterday"},{"id":"known","at":5},{"id":""},{"id":7},"x",{"id":"known","at":"2020-05-06T00:00:00Z"}]}"#
        )
        #expect(reply.status == 200)
        #expect(reply.success == false)
        #expect(reply.keys == ["statusCode", "success", "recorded", "failed", "errors"])
        #expect(reply.strings("recorded") == ["known", "known"])
        #expect(reply.strings("failed") == ["nobody", "known", "known", "known", "", "", ""])
        let errors = try #require(reply["errors"]?.asArray)
        #expect(errors.compactMap { $0.member("index")?.asInt } == [1, 2, 3, 4, 5, 6, 7])
        #expect(errors.allSatisfy { $0.asObject?.members.map(\.key) == ["index", "id", "error"] })
        #expect(try await client.get("nobody").isRefusal(404, "Not Found"))
        #expect(try await client.count() == 1)
        #expect(try await client.get("known").contact?["stats"]?.sameValue(as: try json(#"{"2020":{"5":2}}"#)) == true)
    }

    /// Without `at`, a message counts for the current UTC month; `updatedAt` does not change.
    @Test func defaultAtIsNowAndUpdatedAtStays() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["now"])
        let before = try #require(try await client.get("now").contact)
        try await pause(.milliseconds(5))
        let start = ContactChecks.currentYearAndMonth()
        let reply = try await client.request(
            #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[{"id":"now"},{"id":"now","at":null}]}"#
        )
        let end = ContactChecks.currentYearAndMonth()
        #expect(reply.strings("recorded") == ["now", "now"])
        let after = try #require(try await client.get("now").contact)
        let stats = try #require(after["stats"])
        let counted =
            (stats.member(start.year)?.member(start.month)?.asInt ?? 0)
            + (start == end ? 0 : (stats.member(end.year)?.member(end.month)?.asInt ?? 0))
        #expect(counted == 2, "\(stats)")
        #expect(after["updatedAt"] == before["updatedAt"])
        #expect(after["profile"] == before["profile"])
    }

    /// `messages` must hold 1 to 50 entries.
    @Test func messagesBatchBounds() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["m"])
        let fifty = Array(repeating: #"{"id":"m","at":"2016-01-01T00:00:00Z"}"#, count: 50).joined(separator: ",")
        let accepted = try await client.request(
            #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":[\#(fifty)]}"#
        )
        #expect(accepted.strings("recorded")?.count == 50)
        for messages in ["[\(fifty),{\"id\":\"m\"}]", "[]", "{}", "\"m\""] {
            let reply = try await client.request(
                #"{"method":"contacts.recordMessages","apiKey":"\#(Daemon.keyA)","messages":\#(messages)}"#
            )
            #expect(reply.isRefusal(400, "Bad Request"), "\(reply)")
        }
        #expect(try await client.get("m").contact?["stats"]?.sameValue(as: try json(#"{"2016":{"1":50}}"#)) == true)
    }
}
