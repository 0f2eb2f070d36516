import ContactCore
import ContactdTesting
import Testing

/// PROTOCOL.md section 13: many daemons serving one database.
struct TwoDaemonTests {
    /// Two daemons each applying `$inc` by 1 a thousand times, concurrently over four
    /// connections each, give exactly 2000; `$push` through both keeps every element.
    @Test func concurrentIncrementsThroughTwoDaemonsAreExact() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let first = try await Daemon.start(store: url)
        let second = try await Daemon.start(store: url)
        let perConnection = 250
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, daemon) in [first, second].enumerated() {
                for connection in 0..<4 {
                    group.addTask {
                        let client = try daemon.connect()
                        for step in 0..<perConnection {
                            let tag = "\(index)-\(connection)-\(step)"
                            let reply = try await client.upsert(
                                #"{"id":"counter","profile":{"$inc":{"n":1}}},{"id":"log\#(step % 3)","profile":{"$push":{"tags":\#(q(tag))}}}"#
                            )
                            guard reply.status == 200, reply.success == true else {
                                throw HarnessError("upsert failed: \(reply)")
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let client = try second.connect()
        #expect(try await client.get("counter").profile == (try json(#"{"id":"counter","n":2000}"#)))
        var tags = 0
        for log in 0..<3 {
            tags += try await first.connect().get("log\(log)").profile?.member("tags")?.asArray?.count ?? 0
        }
        #expect(tags == 2000)
        #expect(try await client.count() == 4)
    }

    /// A retry with the same idempotencyKey through the other daemon is replayed, not applied again.
    @Test func retryThroughTheOtherDaemonIsReplayed() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let first = try await Daemon.start(store: url)
        let second = try await Daemon.start(store: url)
        let line =
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","idempotencyKey":"retry-1","contacts":[{"id":"r","profile":{"$inc":{"n":5}}}],"requestId":1}"#
        #expect(
            try await first.connect().call(line)
                == #"{"statusCode":200,"success":true,"inserted":["r"],"updated":[],"failed":[],"requestId":1}"#
        )
        #expect(
            try await second.connect().call(line)
                == #"{"statusCode":200,"success":true,"inserted":["r"],"updated":[],"failed":[],"replayed":true,"requestId":1}"#
        )
        #expect(try await second.connect().get("r").profile == (try json(#"{"id":"r","n":5}"#)))
    }

    /// A daemon killed with SIGKILL leaves nothing partial; the other goes on serving.
    @Test func killingOneDaemonLeavesTheOtherServing() async throws {
        let url = try await PostgresCluster.shared().createDatabase()
        let first = try await Daemon.start(store: url)
        let second = try await Daemon.start(store: url)
        let writer = try first.connect()
        for step in 0..<20 {
            let batch = (0..<50).map { #"{"id":"k\#($0)","profile":{"$inc":{"n":1}}}"# }.joined(separator: ",")
            try await writer.send(
                #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","contacts":[\#(batch)],"requestId":\#(step)}"#
            )
        }
        first.process.killAndReap()
        let client = try second.connect()
        // Every batch is all there or not there: all 50 contacts hold the same count.
        let ids = try await client.listAllIds()
        var counts = Set<Int64>()
        for id in ids { counts.insert(try await client.get(id).profile?.member("n")?.asInt ?? -1) }
        #expect(ids.isEmpty || (ids.count == 50 && counts.count == 1), "\(ids.count) contacts, counts \(counts)")
        try await client.insert(["after"])
        #expect(try await client.count() == Int64(ids.count + 1))
    }

    /// Two daemons starting at once against an empty database both come up (the schema is made
    /// once, under an advisory lock).
    @Test func twoDaemonsStartingAtOnceBothComeUp() async throws {
        let cluster = try await PostgresCluster.shared()
        let url = try await cluster.createDatabase()
        async let first = Daemon.start(store: url)
        async let second = Daemon.start(store: url)
        let (a, b) = try await (first, second)
        try await a.connect().insert(["x"])
        #expect(try await b.connect().count() == 1)
        let database = String(url.split(separator: "/")[2].split(separator: "?")[0])
        #expect(try await cluster.psql("SELECT version FROM contactd_schema", database: database) == "1\n")
    }
}
