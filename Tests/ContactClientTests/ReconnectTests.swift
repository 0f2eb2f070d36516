import ContactClient
import ContactCore
import ContactdTesting
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The client survives daemon restarts and dropped connections without applying a write twice.
@Suite(.timeLimit(.minutes(1)))
struct ReconnectTests {
    /// After SIGTERM and a restart on the same data folder, the same client reconnects and sees
    /// the data written before.
    @Test func reconnectsAfterRestart() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client(connections: 2)
        _ = try await client.bulkUpsert((0..<60).map { UpsertEntry(id: "r\($0)", update: ProfileUpdate().inc("n", 1)) })
        #expect(try await daemon.stop() == .exited(0))
        try await daemon.restart()
        // Both pooled connections are dead; each call reconnects its own.
        for _ in 0..<4 {
            #expect(try await client.count() == 60)
        }
        #expect(try await client.upsert(id: "r0", ProfileUpdate().inc("n", 1)) == UpsertResult(updated: ["r0"]))
        #expect(try await client.get("r0").profile["n"] == .int(2))
        await client.close()
    }

    /// Writes kept in flight while the daemon is stopped and started again each apply exactly
    /// once: answered before the stop, or retried with their key after the restart.
    @Test func writesAcrossARestartApplyExactlyOnce() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client(connections: 2)
        _ = try await client.upsert(id: "total")
        let progress = RestartProgress()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    // Write without pause until 20 writes after the restart.
                    var afterRestart = 0
                    while afterRestart < 20 {
                        let result = try await client.upsert(id: "total", ProfileUpdate().inc("n", 1))
                        #expect(result.updated == ["total"])
                        progress.acknowledged.add(1, ordering: .relaxed)
                        if progress.restarted.load(ordering: .relaxed) { afterRestart += 1 }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(50))
                #expect(try await daemon.stop() == .exited(0))
                try await daemon.restart()
                progress.restarted.store(true, ordering: .relaxed)
            }
            try await group.waitForAll()
        }
        let total = progress.acknowledged.load(ordering: .relaxed)
        #expect(total >= 80)
        #expect(try await client.get("total").profile["n"] == .int(Int64(total)))
        await client.close()
    }

    /// A call made while the daemon is down is retried until it is back.
    @Test func retriesWhileTheDaemonIsDown() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client(connections: 1)
        _ = try await client.upsert(id: "w", ProfileUpdate().inc("n", 1))
        try await daemon.stop()
        async let restarted: Void = {
            try await Task.sleep(for: .milliseconds(400))
            try await daemon.restart()
        }()
        let result = try await client.upsert(id: "w", ProfileUpdate().inc("n", 1))
        try await restarted
        #expect(result == UpsertResult(updated: ["w"]))
        #expect(try await client.get("w").profile["n"] == .int(2))
        await client.close()
    }

    /// A write whose response was lost (applied, then the connection dropped) is retried with the
    /// same idempotency key and applies once: the retry is answered as a replay.
    @Test func retriedWriteAppliesOnce() async throws {
        let daemon = try await TestDaemon.start()
        let proxy = try FaultyProxy(path: daemon.directory + "/proxy.sock", target: daemon.socketPath, drops: 1)
        defer { proxy.stop() }
        let client = daemon.client(connections: 1, socketPath: proxy.path)
        let direct = daemon.client(connections: 1)

        let result = try await client.upsert(id: "counter", ProfileUpdate().inc("n", 1))
        #expect(proxy.droppedResponses == 1)
        #expect(result.replayed)
        #expect(result.inserted == ["counter"])
        #expect(try await direct.get("counter").profile["n"] == .int(1))

        // The same for recordMessages and delete, each behind a proxy that drops one response.
        let recordProxy = try FaultyProxy(path: daemon.directory + "/proxy2.sock", target: daemon.socketPath, drops: 1)
        defer { recordProxy.stop() }
        let recordClient = daemon.client(connections: 1, socketPath: recordProxy.path)
        let recorded = try await recordClient.recordMessage(
            id: "counter",
            at: Timestamp(rfc3339: "2020-01-15T00:00:00Z")
        )
        #expect(recorded.replayed && recorded.recorded == ["counter"])
        #expect(recordProxy.droppedResponses == 1)
        #expect(try await direct.get("counter").messages(year: 2020, month: 1) == 1)

        let deleteProxy = try FaultyProxy(path: daemon.directory + "/proxy3.sock", target: daemon.socketPath, drops: 1)
        defer { deleteProxy.stop() }
        let deleteClient = daemon.client(connections: 1, socketPath: deleteProxy.path)
        let deleted = try await deleteClient.delete(["counter"])
        #expect(deleted.replayed && deleted.deleted == ["counter"])
        #expect(deleteProxy.droppedResponses == 1)
        #expect(await throwsCase(ContactClientError.notFound) { try await direct.get("counter") })
        await recordClient.close()
        await deleteClient.close()
        await client.close()
        await direct.close()
    }

    /// Without retries, a lost response is a connection error (the write may have applied).
    @Test func lostResponseWithoutRetries() async throws {
        let daemon = try await TestDaemon.start()
        let proxy = try FaultyProxy(path: daemon.directory + "/proxy.sock", target: daemon.socketPath, drops: 1)
        defer { proxy.stop() }
        let client = daemon.client(connections: 1, retry: .never, socketPath: proxy.path)
        do {
            _ = try await client.upsert(id: "x")
            Issue.record("expected a connection error")
        } catch {
            guard error.code == .connectionClosed else {
                Issue.record("got \(error)")
                return
            }
            #expect(error.isConnectionFailure && error.statusCode == nil)
        }
        try await client.ping()
        await client.close()
    }

    /// No daemon: after its bounded retries the call fails with a connection error.
    @Test func connectionFailedWhenNothingListens() async throws {
        let client = ContactdClient(
            configuration: ClientConfiguration(
                socketPath: "/tmp/contactd-client-test-nothing-\(getpid()).sock",
                apiKey: "k",
                retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(20))
            )
        )
        do {
            try await client.ping()
            Issue.record("expected a connection error")
        } catch {
            let message = error.message
            guard error.code == .connectionFailed else {
                Issue.record("got \(error)")
                return
            }
            #expect(message.contains("No such file or directory"))
        }
        await client.close()
        await #expect(throws: ContactClientError.clientClosed) { try await client.ping() }
    }

    /// A request with no answer times out, and the connection is replaced for the next call.
    @Test func timeout() async throws {
        let daemon = try await TestDaemon.start()
        let proxy = try FaultyProxy(path: daemon.directory + "/silent.sock", target: daemon.socketPath, silent: true)
        defer { proxy.stop() }
        let client = daemon.client(
            connections: 1,
            retry: .never,
            requestTimeout: .milliseconds(200),
            socketPath: proxy.path
        )
        await #expect(throws: ContactClientError.timedOut(.milliseconds(200))) { try await client.count() }
        await client.close()
    }
}
