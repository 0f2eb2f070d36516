import ContactCore
import ContactdTesting
import Testing

/// `stats` (PROTOCOL.md section 5): figures about the key's project only.
struct StatsTests {
    /// The project's contacts and remembered keys, in the documented member order; another
    /// project's key sees only its own project.
    @Test func figuresOfTheKeysProject() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.insert(["a", "b", "c"])
        let keyed = try await client.request(
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","idempotencyKey":"k1","contacts":[{"id":"d","profile":{"$set":{"n":"xyz"}}}]}"#
        )
        #expect(keyed.status == 200)
        let stats = try await client.request(#"{"method":"stats","apiKey":"\#(Daemon.keyA)","requestId":3}"#)
        #expect(Array(stats.keys.prefix(5)) == ["statusCode", "success", "project", "contacts", "idempotencyKeys"])
        #expect(stats["project"]?.asString == Daemon.projectA)
        #expect(stats["contacts"]?.asInt == 4)
        #expect(stats["idempotencyKeys"]?.asInt == 1)
        #expect((stats["profileBytes"]?.asInt ?? 0) > 0)
        #expect((stats["idempotencyBytes"]?.asInt ?? 0) > 0)
        #expect(stats["requestId"]?.asInt == 3)

        let other = try await client.request(#"{"method":"stats","apiKey":"\#(Daemon.keyB)"}"#)
        #expect(other["project"]?.asString == Daemon.projectB)
        #expect(other["contacts"]?.asInt == 0)
        #expect(other["idempotencyKeys"]?.asInt == 0)
    }

    /// `stats` needs a known key like every method but `ping`.
    @Test func needsAKnownKey() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        #expect(try await client.request(#"{"method":"stats"}"#).isRefusal(401, "Unauthorized"))
        #expect(try await client.request(#"{"method":"stats","apiKey":"nope"}"#).isRefusal(401, "Unauthorized"))
    }
}
