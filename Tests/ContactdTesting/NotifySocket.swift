import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A Unix datagram socket standing in for systemd's `NOTIFY_SOCKET`: it collects every
/// notification (`READY=1`, `STATUS=…`, `STOPPING=1`, `WATCHDOG=1`) the daemon sends.
package final class NotifySocket: @unchecked Sendable {
    /// The bound path, to pass as `NOTIFY_SOCKET`.
    package let path: String
    private let descriptor: Int32
    /// Every datagram received so far, in order.
    package private(set) var messages: [String] = []

    package init(path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket(): \(lastErrorText())") }
        let result = try withUnixAddress(path) { bind(descriptor, $0, $1) }
        guard result == 0 else {
            let message = lastErrorText()
            close(descriptor)
            throw HarnessError("bind(\(path)): \(message)")
        }
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(self.descriptor)
    }

    /// Reads every datagram waiting now.
    package func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                recv(self.descriptor, $0.baseAddress!, $0.count, Int32(MSG_DONTWAIT))
            }
            guard count > 0 else { return }
            self.messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }

    /// Every assignment (`NAME=value`) received so far, datagrams split at newlines.
    package var assignments: [String] {
        self.messages.flatMap { $0.split(separator: "\n").map(String.init) }
    }

    /// Waits until an assignment satisfying `matches` has arrived; false after `timeout`.
    package func waitFor(timeout: Duration = .seconds(10), _ matches: (String) -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            self.drain()
            if self.assignments.contains(where: matches) { return true }
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
