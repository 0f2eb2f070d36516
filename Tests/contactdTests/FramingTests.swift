import ContactCore
import ContactdTesting
import Foundation
import Testing

/// PROTOCOL.md section 1: lines, `\r\n`, empty lines, half-close, one-line responses.
struct FramingTests {
    /// A request ended by `\r\n` is answered like one ended by `\n`.
    @Test func crlfLineIsAnswered() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.send("{\"method\":\"ping\",\"requestId\":1}\r\n")
        #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"requestId":1}"#)
        try await client.send("{\"method\":\"contacts.count\",\"apiKey\":\(q(Daemon.keyA))}\r\n")
        #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"count":0}"#)
    }

    /// Empty lines (`\n`, `\r\n`) get no response at all; the next request's reply comes first.
    @Test func emptyLinesAreIgnored() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.send("\n\r\n\n\r\n{\"method\":\"ping\",\"requestId\":2}\n\n")
        #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"requestId":2}"#)
        #expect(try await client.staysSilent(for: .milliseconds(300)))
        try await client.send("\r\n{\"method\":\"ping\",\"requestId\":3}\n")
        #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"requestId":3}"#)
    }

    /// A line of only spaces and tabs is not empty: it gets exactly one 400.
    @Test func whitespaceOnlyLineIsBadRequest() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.send(" \t  \n{\"method\":\"ping\",\"requestId\":4}\n")
        let refusal = try await client.readResponse()
        #expect(refusal.isRefusal(400, "Bad Request"), "\(refusal)")
        #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"requestId":4}"#)
        #expect(try await client.staysSilent(for: .milliseconds(200)))
    }

    /// After a half-close, the bytes after the last `\n` are a final request, answered before closing.
    @Test func halfCloseAnswersFinalLineWithoutNewline() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        try await client.send(
            #"{"method":"ping","requestId":"first"}"# + "\n" + #"{"method":"ping","requestId":"last"}"#
        )
        client.shutdownWrite()
        #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"requestId":"first"}"#)
        #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"requestId":"last"}"#)
        try await client.expectEndOfInput()
    }

    /// A half-close right after a complete line: every line answered, then end of input.
    @Test func halfCloseAfterCompleteLinesClosesAfterAnswering() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let requests = (0..<20).map { #"{"method":"ping","requestId":\#($0)}"# + "\n" }.joined()
        try await client.send(requests)
        client.shutdownWrite()
        for index in 0..<20 {
            #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"requestId":\#(index)}"#)
        }
        try await client.expectEndOfInput()
    }

    /// `printf … | socat - UNIX-CONNECT:path` without a final newline prints the reply.
    @Test func socatWithoutFinalNewlineGetsItsReply() async throws {
        let daemon = try await Daemon.start()
        let input = daemon.directory.file("socat-in")
        let request =
            #"{"method":"contacts.upsert","apiKey":"\#(Daemon.keyA)","contacts":[{"id":"s1"}],"requestId":"socat"}"#
        try Data(request.utf8).write(to: URL(fileURLWithPath: input))
        let socat = try ChildProcess.spawn(
            "/usr/bin/socat",
            ["-t", "5", "-", "UNIX-CONNECT:\(daemon.socketPath)"],
            stdinPath: input,
            stdoutPath: daemon.directory.file("socat-out"),
            stderrPath: daemon.directory.file("socat-err")
        )
        let status = try await socat.wait(timeout: .seconds(10))
        #expect(status == .exited(0), "\(socat.stderrText)")
        #expect(
            socat.stdoutText
                == #"{"statusCode":200,"success":true,"inserted":["s1"],"updated":[],"failed":[],"requestId":"socat"}"#
                + "\n"
        )
    }

    /// A response never contains a raw newline, even when stored strings contain escaped ones.
    @Test func responsesAreOneLineEvenWithNewlinesInData() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        let upsert = try await client.upsert(#"{"id":"n1","profile":{"$set":{"note":"line1\nline2\r\u2028end"}}}"#)
        #expect(upsert.success == true, "\(upsert)")
        try await client.send(#"{"method":"contacts.get","apiKey":"\#(Daemon.keyA)","id":"n1","requestId":9}"# + "\n")
        let line = try await client.readLine()
        #expect(!line.contains("\r"))
        let reply = try Response(raw: line)
        #expect(reply.profile?.member("note")?.asString == "line1\nline2\r\u{2028}end")
        #expect(reply["requestId"] == .int(9))
        #expect(try await client.pings())
    }

    /// A request split across many small writes (byte by byte) is still one request.
    @Test func requestSplitAcrossWritesIsOneRequest() async throws {
        let daemon = try await Daemon.start()
        let client = try daemon.connect()
        for byte in Array((#"{"method":"ping","requestId":"split"}"# + "\r\n").utf8) {
            try await client.send(bytes: [byte])
            try await pause(.milliseconds(1))
        }
        #expect(try await client.readLine() == #"{"statusCode":200,"success":true,"requestId":"split"}"#)
    }

    /// Many connections at once are each answered in their own order.
    @Test func concurrentConnectionsAreIndependent() async throws {
        let daemon = try await Daemon.start()
        let clients = try (0..<8).map { _ in try daemon.connect() }
        for (index, client) in clients.enumerated() {
            try await client.send(
                (0..<50).map { #"{"method":"ping","requestId":"c\#(index)-\#($0)"}"# + "\n" }.joined()
            )
        }
        for (index, client) in clients.enumerated().reversed() {
            for number in 0..<50 {
                let reply = try await client.readResponse()
                #expect(reply["requestId"] == .string("c\(index)-\(number)"))
            }
        }
    }
}
