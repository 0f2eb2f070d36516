import ContactServer
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PROTOCOL.md section 9: binding the socket path (stale, live and foreign files; mode).
struct ListeningSocketTests {
    /// A fresh folder under /tmp, removed afterwards.
    private final class Folder {
        let path: String

        init() {
            self.path = "/tmp/lst-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            mkdir(self.path, 0o700)
        }

        deinit {
            try? FileManager.default.removeItem(atPath: self.path)
        }
    }

    private static func fileType(_ path: String) -> mode_t? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT
    }

    private static func permissions(_ path: String) -> mode_t? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o777
    }

    /// Connects to `path`; true when something accepts.
    private static func canConnect(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        } == 0
    }

    /// Binds a socket at `path` without listening, then closes it: a stale socket file.
    private static func makeStale(_ path: String) {
        let descriptor = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        close(descriptor)
    }

    /// A new path becomes a listening socket with the requested mode; removeOwnedPath removes it.
    @Test(arguments: [0o660, 0o600, 0o666] as [mode_t])
    func bindsWithMode(mode: mode_t) throws {
        let folder = Folder()
        let path = folder.path + "/s.sock"
        let socket = try ListeningSocket.bind(path: path, mode: mode)
        defer { close(socket.descriptor) }
        #expect(socket.ownedPath == path)
        #expect(Self.fileType(path) == S_IFSOCK)
        #expect(Self.permissions(path) == mode)
        #expect(Self.canConnect(path))
        socket.removeOwnedPath()
        #expect(Self.fileType(path) == nil)
    }

    /// Setting the socket's mode never follows a symlink: a path swapped for a symlink to another
    /// file (or to a socket) fails and leaves the target's mode as it was.
    @Test func setSocketModeDoesNotFollowSymlinks() throws {
        let folder = Folder()
        let target = folder.path + "/target"
        #expect(FileManager.default.createFile(atPath: target, contents: Data("x".utf8)))
        #expect(chmod(target, 0o600) == 0)
        let link = folder.path + "/s.sock"
        #expect(symlink(target, link) == 0)
        #expect(throws: ListeningSocket.SetupError.self) { try ListeningSocket.setSocketMode(path: link, mode: 0o666) }
        #expect(Self.permissions(target) == 0o600)

        let socketPath = folder.path + "/real.sock"
        Self.makeStale(socketPath)
        #expect(chmod(socketPath, 0o600) == 0)
        let socketLink = folder.path + "/link.sock"
        #expect(symlink(socketPath, socketLink) == 0)
        #expect(throws: ListeningSocket.SetupError.self) {
            try ListeningSocket.setSocketMode(path: socketLink, mode: 0o666)
        }
        #expect(Self.permissions(socketPath) == 0o600)
    }

    /// On a socket file, the mode is set; on a regular file, it fails without a change.
    @Test func setSocketModeChangesOnlySockets() throws {
        let folder = Folder()
        let socketPath = folder.path + "/real.sock"
        Self.makeStale(socketPath)
        try ListeningSocket.setSocketMode(path: socketPath, mode: 0o640)
        #expect(Self.permissions(socketPath) == 0o640)
        let file = folder.path + "/file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        #expect(chmod(file, 0o600) == 0)
        #expect(throws: ListeningSocket.SetupError.self) { try ListeningSocket.setSocketMode(path: file, mode: 0o666) }
        #expect(Self.permissions(file) == 0o600)
    }

    /// A stale socket file is replaced.
    @Test func replacesStaleSocket() throws {
        let folder = Folder()
        let path = folder.path + "/s.sock"
        Self.makeStale(path)
        #expect(Self.fileType(path) == S_IFSOCK)
        #expect(!Self.canConnect(path))
        let socket = try ListeningSocket.bind(path: path, mode: 0o660)
        defer { close(socket.descriptor) }
        #expect(Self.canConnect(path))
    }

    /// A live socket makes bind fail with "already running" and stays usable.
    @Test func refusesLiveSocket() throws {
        let folder = Folder()
        let path = folder.path + "/s.sock"
        let first = try ListeningSocket.bind(path: path, mode: 0o660)
        defer { close(first.descriptor) }
        do {
            let second = try ListeningSocket.bind(path: path, mode: 0o660)
            close(second.descriptor)
            Issue.record("a second bind on a live socket succeeded")
        } catch {
            #expect("\(error)".contains("already running"), "\(error)")
        }
        #expect(Self.canConnect(path))
    }

    /// A regular file, a folder or a symlink at the path is never removed and bind fails.
    @Test(arguments: ["file", "folder", "symlink"])
    func neverRemovesOtherFiles(kind: String) throws {
        let folder = Folder()
        let path = folder.path + "/s.sock"
        switch kind {
        case "file": try Data("keep".utf8).write(to: URL(fileURLWithPath: path))
        case "folder": mkdir(path, 0o700)
        default: symlink(folder.path + "/target", path)
        }
        let before = Self.fileType(path)
        #expect(throws: ListeningSocket.SetupError.self) { try ListeningSocket.bind(path: path, mode: 0o660) }
        #expect(Self.fileType(path) == before)
        if kind == "file" { #expect((try? String(contentsOfFile: path, encoding: .utf8)) == "keep") }
    }

    /// A path longer than `sun_path` can hold is refused with a reason.
    @Test func refusesOverlongPath() {
        let path = "/tmp/" + String(repeating: "p", count: 110)
        #expect(throws: ListeningSocket.SetupError.self) { try ListeningSocket.bind(path: path, mode: 0o660) }
    }

    /// removeOwnedPath leaves a path that is no longer a socket, and an inherited socket owns no path.
    @Test func removeOwnedPathOnlyRemovesItsSocket() throws {
        let folder = Folder()
        let path = folder.path + "/s.sock"
        let socket = try ListeningSocket.bind(path: path, mode: 0o660)
        close(socket.descriptor)
        unlink(path)
        try Data("replaced".utf8).write(to: URL(fileURLWithPath: path))
        socket.removeOwnedPath()
        #expect(Self.fileType(path) == S_IFREG)
        #expect(ListeningSocket.inherited(3).ownedPath == nil)
    }

    /// Socket modes parse as octal with or without a leading zero; anything else is refused.
    @Test func parsesModes() {
        #expect(ListeningSocket.parseMode("0660") == 0o660)
        #expect(ListeningSocket.parseMode("660") == 0o660)
        #expect(ListeningSocket.parseMode("600") == 0o600)
        #expect(ListeningSocket.parseMode("0600") == 0o600)
        #expect(ListeningSocket.parseMode("0777") == 0o777)
        for bad in ["", "999", "0o660", "abc", "rw-rw----", "01777", "12345", "6 60", "0x1b4"] {
            #expect(ListeningSocket.parseMode(bad) == nil, "\(bad)")
        }
    }
}
