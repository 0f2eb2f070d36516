import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PROTOCOL.md section 8: SIGTERM/SIGINT stop accepting, answer what was read, exit 0.
struct ShutdownTests {
    /// Requests already sent (and read) when SIGTERM arrives are answered before the daemon exits 0.
    @Test func sentRequestsAreAnsweredBeforeExit() async throws {
        let daemon = try await Daemon.start()
        let writer = try daemon.connect()
        let observer = try daemon.connect()
        let line =
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","contacts":[{"id":"s","profile":{"$inc":{"n":1}}}]}"#
        try await writer.send((0..<10).map { _ in line + "\n" }.joined())
        #expect(try await eventually { try await observer.get("s").profile?.member("n") == .int(10) })
        observer.close()
        #expect(try await daemon.stop() == .exited(0), "\(daemon.stderr)")
        for _ in 0..<10 {
            #expect(try await writer.readResponse().status == 200)
        }
        try await writer.expectEndOfInput()
        #expect(!daemon.stderr.contains("Fatal error"))
        #expect(!exists(daemon.socketPath))
    }

    /// An unread pipelined backlog at SIGTERM is answered in order without gaps, then exit 0.
    @Test func pipelinedBacklogIsAnsweredInOrder() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let flood = try await BackPressureTests.flood(client, limit: 8 << 20, stall: .milliseconds(400))
        #expect(flood.requests > 0)
        daemon.process.send(signal: SIGTERM)
        var answered = 0
        var extra: [String] = []
        while let line = try await client.readLineOrEnd() {
            let expected = String(format: "\"requestId\":\"%08d", answered)
            if extra.isEmpty, line.contains(expected) {
                answered += 1
            } else {
                extra.append(line)
            }
        }
        #expect(answered > 0 && answered <= flood.requests)
        // The daemon may have read only the start of the next request when it stopped reading:
        // it says nothing about that fragment.
        #expect(extra.isEmpty, "\(extra)")
        #expect(try await daemon.process.wait(timeout: .seconds(15)) == .exited(0), "\(daemon.stderr)")
    }

    /// At shutdown, an unfinished line (no `\n`, no half-close) gets no reply; the connection just ends.
    @Test
    func partialLineAtShutdownGetsNoReply() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.send(
            #"{"method":"ping","requestId":1}"# + "\n" + #"{"method":"ping","requestId":"unfinished""#
        )
        #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"requestId":1}"#)
        try await pause(.milliseconds(100))
        #expect(try await daemon.stop() == .exited(0))
        let after = try await client.readLineOrEnd()
        #expect(after == nil, "reply to an unfinished line: \(after ?? "")")
    }

    /// An idle connection does not delay shutdown: it is closed and the daemon exits promptly.
    @Test func idleConnectionIsClosedPromptly() async throws {
        let daemon = try await Daemon.start()
        let idle = try daemon.connect()
        #expect(try await idle.pings())
        let start = ContinuousClock.now
        #expect(try await daemon.stop() == .exited(0))
        #expect(ContinuousClock.now - start < .seconds(8))
        try await idle.expectEndOfInput(timeout: .seconds(2))
    }

    /// A client that never reads delays shutdown by at most ~10 s; new connections are not served.
    @Test func nonReadingClientDelaysShutdownAtMostTenSeconds() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let flood = try await BackPressureTests.flood(client, limit: 8 << 20, stall: .milliseconds(400))
        #expect(flood.requests > 0)
        let start = ContinuousClock.now
        daemon.process.send(signal: SIGTERM)
        try await pause(.milliseconds(300))
        if let late = try? daemon.connect() {
            try? await late.send(#"{"method":"ping"}"# + "\n")
            let line = try? await late.readLineOrEnd(timeout: .seconds(3))
            #expect(
                line == nil || line?.contains(#""statusCode":503"#) == true,
                "a new connection was served during shutdown: \(line ?? "")"
            )
        }
        let status = try await daemon.process.wait(timeout: .seconds(20))
        #expect(status == .exited(0), "\(daemon.stderr)")
        #expect(ContinuousClock.now - start < .seconds(14))
        _ = client
    }

    /// A client that sent requests with large replies, half-closed and never reads delays shutdown
    /// by at most ~10 s too: the replies wait in the socket's channel, and the grace bounds that.
    @Test func halfClosedNonReadingClientDelaysShutdownAtMostTenSeconds() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await BackPressureTests.storeBig(client)
        try await client.send((0..<60).map(BackPressureTests.bigGet).joined())
        client.shutdownWrite()
        try await pause(.milliseconds(500))
        let start = ContinuousClock.now
        daemon.process.send(signal: SIGTERM)
        let status = try await daemon.process.wait(timeout: .seconds(20))
        #expect(status == .exited(0), "\(daemon.stderr)")
        #expect(ContinuousClock.now - start < .seconds(14))
        _ = client
    }

    /// SIGTERM while starting (socket file just created) still exits 0 and removes the socket; tried 10 times.
    @Test
    func sigtermDuringStartExitsCleanly() async throws {
        for attempt in 0..<10 {
            let directory = try TemporaryDirectory()
            let keys = directory.file("keys.json")
            try Data(#"{"k":"p"}"#.utf8).write(to: URL(fileURLWithPath: keys))
            let socketPath = directory.file("contactd.sock")
            let process = try ChildProcess.spawn(
                Harness.daemonBinary,
                ["--socket", socketPath, "--data", directory.file("data"), "--keys", keys],
                stdoutPath: directory.file("stdout.log"),
                stderrPath: directory.file("stderr.log")
            )
            #expect(try await eventually(timeout: .seconds(10)) { exists(socketPath) || !process.isRunning })
            process.send(signal: SIGTERM)
            let status = try await process.wait(timeout: .seconds(15))
            #expect(status == .exited(0), "attempt \(attempt): \(status)")
            #expect(!exists(socketPath), "attempt \(attempt): socket file left behind")
            if status != .exited(0) { break }
        }
    }
}
