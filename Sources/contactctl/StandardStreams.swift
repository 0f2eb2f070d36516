import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output through a buffer (flushed when it passes 64 KiB and at the end),
/// and lines to standard error at once.
enum StandardStreams {
    /// Appends `bytes` to standard output's buffer.
    static func write(_ bytes: [UInt8]) {
        Self.buffer.withLock { buffer in
            buffer.append(contentsOf: bytes)
            if buffer.count >= 1 << 16 {
                Self.writeAll(buffer, to: 1)
                buffer.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Appends `text` and a newline to standard output's buffer.
    static func writeLine(_ text: String) {
        Self.write(Array((text + "\n").utf8))
    }

    /// Writes what standard output's buffer holds.
    static func flush() {
        Self.buffer.withLock { buffer in
            Self.writeAll(buffer, to: 1)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Writes `text` to standard error, as is.
    static func writeError(_ text: String) {
        Self.writeAll(Array(text.utf8), to: 2)
    }

    /// Writes `contactctl: <text>` and a newline to standard error.
    static func complain(_ text: String) {
        Self.writeError("contactctl: \(text)\n")
    }

    /// True when standard error is a terminal.
    static var errorIsTerminal: Bool { isatty(2) == 1 }

    private static let buffer = Mutex<[UInt8]>([])

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// `write(2)`, named apart from ``StandardStreams/write(_:)``.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
