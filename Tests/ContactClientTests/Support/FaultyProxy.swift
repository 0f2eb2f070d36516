import ContactdTesting
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A Unix-socket proxy in front of the daemon that misbehaves on purpose: it forwards each
/// request and then, while it has drops left, closes the client's connection instead of passing
/// the response on (the write was applied, the client never heard); in `silent` mode it never
/// forwards anything. Each client connection is served by its own thread with blocking I/O.
final class FaultyProxy: Sendable {
    /// Where clients connect.
    let path: String
    private let target: String
    private let silent: Bool
    private let listener: Int32
    private let dropsLeft: Mutex<Int>
    private let dropped = Mutex<Int>(0)

    /// A proxy on `path` to the daemon on `target` that drops the first `drops` responses.
    init(path: String, target: String, drops: Int = 0, silent: Bool = false) throws {
        self.path = path
        self.target = target
        self.silent = silent
        self.dropsLeft = Mutex(drops)
        self.listener = try UnixSocket.listen(path)
        Thread.detachNewThread { self.acceptLoop() }
    }

    /// How many responses were dropped so far.
    var droppedResponses: Int { self.dropped.withLock { $0 } }

    /// Stops accepting connections.
    func stop() {
        shutdown(self.listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            let client = accept(self.listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                close(self.listener)
                return
            }
            Thread.detachNewThread { self.serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var requests = SocketLineReader(client)
        if self.silent {
            while requests.nextLine() != nil {}
            return
        }
        guard let upstream = try? UnixSocket.connect(self.target) else { return }
        defer { close(upstream) }
        var responses = SocketLineReader(upstream)
        while let request = requests.nextLine() {
            guard UnixSocket.writeAll(upstream, request), let response = responses.nextLine() else { return }
            let drop = self.dropsLeft.withLock { left in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
            if drop {
                self.dropped.withLock { $0 += 1 }
                return
            }
            guard UnixSocket.writeAll(client, response) else { return }
        }
    }
}
