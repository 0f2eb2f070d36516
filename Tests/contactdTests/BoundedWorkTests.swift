import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md sections 6 and 7: no request keeps the daemon busy.
struct BoundedWorkTests {
    /// A `{"f0":1,…}` object naming `count` fields.
    private static func fields(_ count: Int, prefix: String = "f") -> String {
        "{" + (0..<count).map { "\"\(prefix)\($0)\":1" }.joined(separator: ",") + "}"
    }

    /// Sends `attack` on one connection and checks that another connection's `ping` is answered
    /// at once and the attack quickly, as one failed entry whose error says `expected`.
    private func expectQuickFailure(_ attack: String, setup: String? = nil, expected: String) async throws {
        #expect(attack.utf8.count > 700_000 && attack.utf8.count < 1 << 20)
        let daemon = try await Daemon.start()
        let attacker = try daemon.connect()
        if let setup {
            let reply = try await attacker.request(setup)
            #expect(reply.status == 200 && reply.success == true, "\(reply)")
        }
        let clock = ContinuousClock()
        let start = clock.now
        try await attacker.send(attack + "\n")
        let other = try daemon.connect()
        #expect(try await other.pings())
        let reply = try await attacker.readResponse(timeout: .seconds(60))
        let elapsed = clock.now - start
        // Generous for a debug build on a loaded machine; the unbounded work this guards against
        // (55,000 fields compared over 30,000 elements) takes minutes.
        #expect(elapsed < .seconds(30), "the attack took \(elapsed)")
        #expect(reply.status == 200)
        #expect(reply.strings("failed") == ["victim"])
        let error = reply["errors"]?.asArray?.first?.member("error")?.asString ?? ""
        #expect(error.contains(expected), "\(error)")
        #expect(try await other.pings())
    }

    /// A ~1 MiB `$push` whose `$sort` names 55,000 fields over 30,000 elements fails the entry
    /// at once, and other connections are answered meanwhile.
    @Test func hugeSortIsAnsweredQuickly() async throws {
        let elements = Array(repeating: "1", count: 30_000).joined(separator: ",")
        let push = #"{"$push":{"a":{"$each":[\#(elements)],"$sort":\#(Self.fields(55_000, prefix: "field"))}}}"#
        let attack =
            #"{"method":"contacts.upsert","apiKey":\#(q(Daemon.keyA)),"contacts":[{"id":"victim","profile":\#(push)}]}"#
        try await self.expectQuickFailure(attack, expected: "names 55000 fields; at most 32 are allowed")
    }

    /// A ~1 MiB `$pull` condition of 70,000 fields, each holding for every element (`null`
    /// matches a missing field), against 6,000 stored elements fails the entry at once, and other
    /// connections are answered meanwhile.
    @Test func hugePullConditionIsAnsweredQuickly() async throws {
        let stored = Array(repeating: #"{"a":1}"#, count: 6_000).joined(separator: ",")
        let setup =
            #"{"method":"contacts.upsert","apiKey":\#(q(Daemon.keyA)),"contacts":[{"id":"victim","profile":{"$set":{"a":[\#(stored)]}}}]}"#
        let condition = "{" + (0..<70_000).map { "\"f\($0)\":null" }.joined(separator: ",") + "}"
        let attack =
            #"{"method":"contacts.upsert","apiKey":\#(q(Daemon.keyA)),"contacts":[{"id":"victim","profile":{"$pull":{"a":\#(condition)}}}]}"#
        try await self.expectQuickFailure(attack, setup: setup, expected: "names more than 32 fields")
    }
}
