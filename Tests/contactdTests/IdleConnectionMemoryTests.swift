import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PROTOCOL.md section 1: an idle connection holds at most about 64 KiB of buffers, whatever the
/// size of its earlier requests and responses.
struct IdleConnectionMemoryTests {
    /// The resident set of process `pid`, in bytes (`VmRSS` of `/proc/PID/status`).
    static func residentBytes(of pid: pid_t) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        throw HarnessError("no VmRSS in /proc/\(pid)/status")
    }

    /// Stores 1000 contacts of about 8 KB profiles in project alpha.
    static func storeLargeContacts(_ client: Client) async throws {
        let blob = String(repeating: "x", count: 8_000)
        for batch in 0..<20 {
            let entries = (0..<50).map { index in
                #"{"id":"c\#(batch * 50 + index)","profile":{"$set":{"blob":"\#(blob)"}}}"#
            }
            let reply = try await client.upsert(entries.joined(separator: ","))
            guard reply.status == 200, reply.success == true else { throw HarnessError("insert failed: \(reply)") }
        }
    }

    /// Reads one page of 1000 contacts (about 8 MB, the only reply pending) on `client`,
    /// straight from its socket: counting bytes until one ends with `\n` (the harness's line
    /// reader is too slow for 60 such pages in a debug build).
    static func readPage(_ client: Client) async throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: client.descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 1000) >= 0 else { throw HarnessError("poll: \(lastErrorText())") }
            if poller.revents == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { recv(client.descriptor, $0.baseAddress!, $0.count, 0) }
            guard count > 0 else { throw HarnessError("the page ended after \(total) bytes") }
            total += count
            if chunk[count - 1] == UInt8(ascii: "\n") {
                guard total > 8_000_000 else { throw HarnessError("short page: \(total) bytes") }
                return
            }
        }
        throw HarnessError("no page after 60 seconds (\(total) bytes)")
    }

    static let listRequest = #"{"method":"contacts.list","apiKey":\#(q(Daemon.keyA)),"limit":1000}"# + "\n"

    /// 60 connections that each read a page of 1000 contacts of 8 KB and go idle keep the daemon's
    /// memory within 60 × 64 KiB and a margin of its level before.
    @Test func idleConnectionsReturnLargeBuffers() async throws {
        let daemon = try await Daemon.start()
        let loader = try daemon.connect()
        try await Self.storeLargeContacts(loader)
        // Warm up: one page, so that lasting allocations (caches, pools) are made before measuring.
        for _ in 0..<2 {
            try await loader.send(Self.listRequest)
            try await Self.readPage(loader)
        }
        try await pause(.milliseconds(500))
        let before = try Self.residentBytes(of: daemon.process.pid)
        var idle: [Client] = []
        for _ in 0..<60 {
            let client = try daemon.connect()
            try await client.send(Self.listRequest)
            try await Self.readPage(client)
            idle.append(client)
        }
        try await pause(.milliseconds(500))
        let after = try Self.residentBytes(of: daemon.process.pid)
        let perConnection = (after - before) / 60
        print(
            "idle connection memory: before \(before >> 10) KiB, after \(after >> 10) KiB, \(perConnection >> 10) KiB per connection"
        )
        #expect(after - before < 60 * (64 << 10) + (16 << 20), "RSS grew \((after - before) >> 20) MiB")
        for client in idle { #expect(try await client.pings()) }
    }
}
