#if canImport(Glibc)
import Glibc
#endif

/// Blocking Unix stream socket calls, for test proxies and probes.
package enum UnixSocket {
    /// A socket connected to `path`.
    package static func connect(_ path: String) throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        let result = try withUnixAddress(path) { Glibc.connect(descriptor, $0, $1) }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw HarnessError("connect \(path): \(reason)")
        }
        return descriptor
    }

    /// A socket listening on `path`.
    package static func listen(_ path: String) throws -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        unlink(path)
        guard try withUnixAddress(path, { bind(descriptor, $0, $1) }) == 0, Glibc.listen(descriptor, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw HarnessError("listen \(path): \(reason)")
        }
        return descriptor
    }

    /// Writes all of `bytes`; false when the peer is gone.
    package static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}

/// Reads `\n`-terminated lines from a blocking socket.
package struct SocketLineReader {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Lines from `descriptor`.
    package init(_ descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The next line with its `\n`, or nil at end of input.
    package mutating func nextLine() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let newline = self.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(self.buffer[...newline])
                self.buffer.removeFirst(newline + 1)
                return line
            }
            let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress!, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            self.buffer.append(contentsOf: chunk[0..<count])
        }
    }
}
