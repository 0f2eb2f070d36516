#if canImport(Glibc)
public import Glibc
#endif

/// The Unix stream socket the daemon listens on: inherited from systemd, or bound at a path.
public struct ListeningSocket: Sendable {
    /// Why the socket could not be set up; the message is the daemon's last line on stderr.
    public struct SetupError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Where the listening socket comes from.
    public enum Source: Sendable {
        /// The descriptor systemd passed.
        case inherited(CInt)
        /// A path to bind with the given permission bits.
        case path(String, mode: mode_t)
    }

    /// Opens the socket `source` names: binds a path (see ``bind(path:mode:backlog:)``) or adopts
    /// an inherited descriptor.
    public static func open(_ source: Source) throws(SetupError) -> ListeningSocket {
        switch source {
        case .inherited(let descriptor): return .inherited(descriptor)
        case .path(let path, let mode): return try self.bind(path: path, mode: mode)
        }
    }

    /// The listening descriptor (owned by the server once handed to it).
    public let descriptor: CInt
    /// The path this process bound and must remove on a clean exit; nil when inherited.
    public let ownedPath: String?

    /// Binds `path` with permission bits `mode` and listens.
    ///
    /// A stale socket file (no listener) is replaced; a live one fails with "already running"; a
    /// path that is not a socket is never removed.
    public static func bind(path: String, mode: mode_t, backlog: CInt = 1024) throws(SetupError) -> ListeningSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw SetupError(description: "socket path \(path) is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }

        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else {
                throw SetupError(description: "\(path) exists and is not a socket; not touching it")
            }
            if Self.isLive(address) {
                throw SetupError(description: "contactd is already running on \(path)")
            }
            guard unlink(path) == 0 || errno == ENOENT else {
                throw SetupError(description: "cannot remove stale socket \(path): \(Self.lastError())")
            }
        }

        let descriptor = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SetupError(description: "socket(): \(Self.lastError())") }
        // The socket file gets its final permissions at creation: no window with wider ones.
        let previousMask = umask(~mode & 0o777)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        let bindError = errno
        umask(previousMask)
        guard bound == 0 else {
            close(descriptor)
            throw SetupError(description: "cannot bind \(path): \(String(cString: strerror(bindError)))")
        }
        do throws(SetupError) {
            try Self.setSocketMode(path: path, mode: mode)
        } catch {
            close(descriptor)
            Self.removeIfSocket(path)
            throw error
        }
        guard listen(descriptor, backlog) == 0 else {
            let message = Self.lastError()
            close(descriptor)
            Self.removeIfSocket(path)
            throw SetupError(description: "cannot listen on \(path): \(message)")
        }
        return ListeningSocket(descriptor: descriptor, ownedPath: path)
    }

    /// Sets the permission bits of the socket file at `path` without following a symlink: the
    /// path is opened `O_PATH|O_NOFOLLOW`, must be a socket, and is changed through
    /// `/proc/self/fd/N`, so a path swapped for a symlink never changes the mode of another file.
    public static func setSocketMode(path: String, mode: mode_t) throws(SetupError) {
        let handle = Glibc.open(path, Self.openPathOnly | O_NOFOLLOW | O_CLOEXEC)
        guard handle >= 0 else {
            throw SetupError(description: "cannot set the mode of \(path): \(Self.lastError())")
        }
        defer { close(handle) }
        var status = stat()
        guard fstat(handle, &status) == 0 else {
            throw SetupError(description: "cannot set the mode of \(path): \(Self.lastError())")
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw SetupError(description: "cannot set the mode of \(path): it is no longer a socket; not touching it")
        }
        guard chmod("/proc/self/fd/\(handle)", mode) == 0 else {
            throw SetupError(description: "cannot set the mode of \(path): \(Self.lastError())")
        }
    }

    /// Linux's `O_PATH` (the same on x86-64 and arm64), which Glibc's module map does not export.
    private static let openPathOnly: CInt = 0o10_000_000

    /// Unlinks `path` if it is a socket (never a file that replaced it).
    private static func removeIfSocket(_ path: String) {
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK {
            unlink(path)
        }
    }

    /// The socket systemd passed.
    public static func inherited(_ descriptor: CInt) -> ListeningSocket {
        ListeningSocket(descriptor: descriptor, ownedPath: nil)
    }

    /// Removes the socket file this process bound, if it still is a socket.
    public func removeOwnedPath() {
        guard let path = self.ownedPath else { return }
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK {
            unlink(path)
        }
    }

    /// Parses an octal mode (`0660` or `660`).
    public static func parseMode(_ text: String) -> mode_t? {
        guard !text.isEmpty, text.utf8.count <= 4, let value = UInt32(text, radix: 8), value <= 0o777 else {
            return nil
        }
        return mode_t(value)
    }

    private static func isLive(_ address: sockaddr_un) -> Bool {
        let probe = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        var address = address
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
