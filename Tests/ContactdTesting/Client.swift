import ContactCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain Unix stream socket client: it writes bytes and reads `\n`-terminated lines, exactly
/// as a user's program would. Every wait polls with short sleeps, so that many tests can wait at
/// once without holding threads of the cooperative pool.
package final class Client: @unchecked Sendable {
    /// The socket.
    package let descriptor: Int32
    /// Describes the server, for failure messages (the daemon's stderr tail).
    private let diagnostics: @Sendable () -> String
    private var buffer: [UInt8] = []
    private var readOffset = 0
    private var scanned = 0
    private var closed = false
    /// True once the server closed its side (read returned 0).
    package private(set) var sawEndOfInput = false

    /// Connects to the stream socket at `path`.
    package init(path: String, diagnostics: @escaping @Sendable () -> String = { "" }) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket(): \(lastErrorText())") }
        let result = try withUnixAddress(path) { connect(descriptor, $0, $1) }
        guard result == 0 else {
            let message = lastErrorText()
            Glibc.close(descriptor)
            throw HarnessError("connect(\(path)): \(message)")
        }
        self.descriptor = descriptor
        self.diagnostics = diagnostics
    }

    deinit {
        self.close()
    }

    // MARK: - Writing

    /// Writes all of `text`, waiting at most `timeout` for the server to take it.
    package func send(_ text: String, timeout: Duration = .seconds(10)) async throws {
        try await self.send(bytes: Array(text.utf8), timeout: timeout)
    }

    /// Writes all of `bytes`, waiting at most `timeout` for the server to take it.
    package func send(bytes: [UInt8], timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        var backoff = Duration.microseconds(50)
        while offset < bytes.count {
            let written = try self.trySend(bytes, from: offset)
            if written > 0 {
                offset += written
                backoff = .microseconds(50)
                continue
            }
            if ContinuousClock.now >= deadline {
                throw HarnessError(
                    "send: the server took \(offset) of \(bytes.count) bytes in \(timeout)\(self.diagnostics())"
                )
            }
            try await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .milliseconds(5))
        }
    }

    /// Writes what the socket takes now without waiting; returns the number of bytes written
    /// (0 when the socket buffer is full).
    package func trySend(_ bytes: [UInt8], from offset: Int = 0) throws -> Int {
        let written = bytes.withUnsafeBytes { raw in
            Glibc.send(
                self.descriptor,
                raw.baseAddress! + offset,
                raw.count - offset,
                Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)
            )
        }
        if written >= 0 { return written }
        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return 0 }
        throw HarnessError("send: \(lastErrorText())\(self.diagnostics())")
    }

    /// Closes the writing side (`shutdown(SHUT_WR)`): the server sees end of input.
    package func shutdownWrite() {
        Glibc.shutdown(self.descriptor, Int32(SHUT_WR))
    }

    /// Closes the socket.
    package func close() {
        guard !self.closed else { return }
        self.closed = true
        Glibc.close(self.descriptor)
    }

    // MARK: - Reading

    /// The next line's bytes (without `\n`); nil at end of input. Throws after `timeout`, and when
    /// the server ends its output in the middle of a line.
    package func readLineBytesOrEnd(timeout: Duration = .seconds(10)) async throws -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        var backoff = Duration.microseconds(50)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let newline = self.buffer[(self.readOffset + self.scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(self.buffer[self.readOffset..<newline])
                self.readOffset = newline + 1
                self.scanned = 0
                if self.readOffset > 1 << 16 {
                    self.buffer.removeFirst(self.readOffset)
                    self.readOffset = 0
                }
                return line
            }
            self.scanned = self.buffer.count - self.readOffset
            if self.sawEndOfInput {
                if self.scanned > 0 {
                    let partial = String(decoding: self.buffer[self.readOffset...].prefix(300), as: UTF8.self)
                    throw HarnessError("the server ended its output inside a line: \(partial)")
                }
                return nil
            }
            let count = chunk.withUnsafeMutableBytes { raw in
                recv(self.descriptor, raw.baseAddress!, raw.count, Int32(MSG_DONTWAIT))
            }
            if count > 0 {
                self.buffer.append(contentsOf: chunk[0..<count])
                backoff = .microseconds(50)
                continue
            }
            if count == 0 {
                self.sawEndOfInput = true
                continue
            }
            if errno == ECONNRESET {
                self.sawEndOfInput = true
                continue
            }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else {
                throw HarnessError("recv: \(lastErrorText())\(self.diagnostics())")
            }
            if ContinuousClock.now >= deadline {
                throw HarnessError(
                    "no complete line from the server within \(timeout)\(self.diagnostics())",
                    isTimeout: true
                )
            }
            try await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .milliseconds(5))
        }
    }

    /// The next line; nil at end of input.
    package func readLineOrEnd(timeout: Duration = .seconds(10)) async throws -> String? {
        guard let bytes = try await self.readLineBytesOrEnd(timeout: timeout) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The next line; end of input is an error.
    package func readLine(timeout: Duration = .seconds(10)) async throws -> String {
        guard let line = try await self.readLineOrEnd(timeout: timeout) else {
            throw HarnessError("the server closed the connection instead of answering\(self.diagnostics())")
        }
        return line
    }

    /// The next line, parsed.
    package func readResponse(timeout: Duration = .seconds(10)) async throws -> Response {
        try Response(raw: try await self.readLine(timeout: timeout))
    }

    /// Waits for end of input; a line arriving instead is an error.
    package func expectEndOfInput(timeout: Duration = .seconds(10)) async throws {
        if let line = try await self.readLineOrEnd(timeout: timeout) {
            throw HarnessError("expected end of input, got a line: \(line.prefix(300))")
        }
    }

    /// True when nothing at all arrives within `duration` (no line, no end of input).
    package func staysSilent(for duration: Duration) async throws -> Bool {
        do {
            _ = try await self.readLineOrEnd(timeout: duration)
            return false
        } catch let error as HarnessError where error.isTimeout {
            return self.buffer.count == self.readOffset
        }
    }

    // MARK: - Requests

    /// Sends `request` plus `\n` and returns the next line.
    package func call(_ request: String) async throws -> String {
        try await self.send(request + "\n")
        return try await self.readLine()
    }

    /// Sends `request` plus `\n` and returns the parsed reply.
    package func request(_ request: String) async throws -> Response {
        try Response(raw: try await self.call(request))
    }
}
