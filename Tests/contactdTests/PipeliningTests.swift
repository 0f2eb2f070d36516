import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md section 1: pipelined requests are processed and answered in order.
struct PipeliningTests {
    /// 1,000 requests written before any reply is read are answered in order with their requestIds.
    @Test func thousandPipelinedPings() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let requests = (0..<1000).map { #"{"method":"ping","requestId":\#($0)}"# + "\n" }.joined()
        try await client.send(requests)
        for index in 0..<1000 {
            let line = try await client.readLine()
            #expect(line == #"{"statusCode":200,"success":true,"requestId":\#(index)}"#)
            if line != #"{"statusCode":200,"success":true,"requestId":\#(index)}"# { break }
        }
        #expect(try await client.staysSilent(for: .milliseconds(100)))
    }

    /// 1,000 pipelined mixed requests: every read sees every pipelined write before it.
    @Test func pipelinedReadsSeePrecedingWrites() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        var lines: [String] = []
        for index in 0..<200 {
            lines.append(
                #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","requestId":"u\#(index)","contacts":[{"id":"p","profile":{"$inc":{"n":1}}},{"id":"q\#(index)"}]}"#
            )
            lines.append(#"{"method":"contacts.get","apiKey":"\#(Daemon.keyA)","requestId":"g\#(index)","id":"p"}"#)
            lines.append(#"{"method":"contacts.count","apiKey":"\#(Daemon.keyA)","requestId":"c\#(index)"}"#)
            lines.append(
                #"{"method":"contacts.delete","apiKey":"\#(Daemon.keyA)","requestId":"d\#(index)","ids":["q\#(index)"]}"#
            )
            lines.append(
                #"{"method":"contacts.get","apiKey":"\#(Daemon.keyA)","requestId":"x\#(index)","id":"q\#(index)"}"#
            )
        }
        try await client.send(lines.map { $0 + "\n" }.joined())
        var problems = 0
        for index in 0..<200 {
            let upsert = try await client.readResponse()
            let get = try await client.readResponse()
            let count = try await client.readResponse()
            let delete = try await client.readResponse()
            let gone = try await client.readResponse()
            let ok =
                upsert["requestId"] == .string("u\(index)")
                && upsert.strings("inserted") == (index == 0 ? ["p", "q0"] : ["q\(index)"])
                && get["requestId"] == .string("g\(index)") && get.profile?.member("n") == .int(Int64(index + 1))
                && count["requestId"] == .string("c\(index)") && count["count"] == .int(2)
                && delete["requestId"] == .string("d\(index)") && delete.strings("deleted") == ["q\(index)"]
                && gone["requestId"] == .string("x\(index)") && gone.status == 404
            #expect(ok, "round \(index): \(upsert) \(get) \(count) \(delete) \(gone)")
            if !ok {
                problems += 1
                if problems > 3 { break }
            }
        }
    }

    /// Several connections pipelining increments to one contact lose none of them.
    @Test func concurrentPipelinedIncrementsAllApply() async throws {
        let daemon = try await Daemon.start()
        let clients = try (0..<4).map { _ in try daemon.connect() }
        let line =
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","contacts":[{"id":"counter","profile":{"$inc":{"n":1}}}]}"#
            + "\n"
        let batch = String(repeating: line, count: 250)
        for client in clients { try await client.send(batch) }
        for client in clients {
            for _ in 0..<250 {
                #expect(try await client.readResponse().status == 200)
            }
        }
        #expect(try await clients[0].get("counter").profile?.member("n") == .int(1000))
    }
}
