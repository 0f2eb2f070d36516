import ContactCore
import ContactdTesting
import Testing

/// PROTOCOL.md section 13: a database the daemon cannot reach makes requests get 503, the daemon
/// keeps running, and it reconnects by itself.
struct OutageTests {
    /// The database stopped: reads and writes get 503 and change nothing; started again: the
    /// same daemon serves again without a restart, with every acknowledged write there.
    @Test func unreachableDatabaseGives503AndServiceResumes() async throws {
        let cluster = try await PostgresCluster.start()
        let url = try await cluster.createDatabase()
        let daemon = try await Daemon.start(store: url)
        let client = try daemon.connect()
        try await client.insert(["before"])

        try await cluster.stopServer()
        let write = try await client.upsert(#"{"id":"during","profile":{"$set":{"a":1}}}"#)
        #expect(write.isRefusal(503, "Service Unavailable"), "\(write)")
        let read = try await client.get("before")
        #expect(read.isRefusal(503, "Service Unavailable"), "\(read)")
        #expect(daemon.process.isRunning)
        #expect(try await client.pings())

        try await cluster.startServer()
        let resumed = try await eventually(timeout: .seconds(60)) {
            try await client.count() == 1
        }
        #expect(resumed, "still no answer after the database came back; stderr:\n\(daemon.stderr)")
        try await client.insert(["after"])
        #expect(try await client.listAllIds() == ["after", "before"])
        #expect(daemon.process.isRunning)
    }

    /// A daemon started while its database is down comes up, answers 503, and serves once the
    /// database is there (making the schema then).
    @Test func daemonStartedBeforeTheDatabaseServesOnceItIsUp() async throws {
        let cluster = try await PostgresCluster.start()
        let url = try await cluster.createDatabase()
        try await cluster.stopServer()
        let daemon = try await Daemon.start(store: url)
        let client = try daemon.connect()
        #expect(try await client.request(#"{"method":"contacts.count","apiKey":"\#(Daemon.keyA)"}"#).status == 503)
        try await cluster.startServer()
        let served = try await eventually(timeout: .seconds(60)) {
            try await client.request(#"{"method":"contacts.count","apiKey":"\#(Daemon.keyA)"}"#).status == 200
        }
        #expect(served, "stderr:\n\(daemon.stderr)")
        try await client.insert(["x"])
        #expect(try await client.count() == 1)
    }
}
