package import ContactCore
package import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A failure of the test harness itself (timeout, unexpected end of input, spawn failure), with
/// enough context to tell what the daemon was doing.
package struct HarnessError: Error, CustomStringConvertible {
    /// What went wrong.
    package var description: String
    /// True when nothing arrived in time (as opposed to a broken or closed connection).
    package var isTimeout: Bool

    package init(_ description: String, isTimeout: Bool = false) {
        self.description = description
        self.isTimeout = isTimeout
    }
}

/// Where the package and the daemon binary are.
package enum Harness {
    /// The package root: the nearest folder above this file that holds `Package.swift`.
    package static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        return FileManager.default.currentDirectoryPath
    }()

    /// The daemon under test: `.build/debug/contactd` of this package, unless `CONTACTD_BINARY`
    /// names another build of it.
    package static var daemonBinary: String {
        if let override = ProcessInfo.processInfo.environment["CONTACTD_BINARY"], !override.isEmpty {
            return override
        }
        return packageRoot + "/.build/debug/contactd"
    }

    /// `contactctl` of this package: `.build/debug/contactctl`.
    package static var contactctlBinary: String {
        packageRoot + "/.build/debug/contactctl"
    }

    /// The environment children get: ours, without anything that would make them believe they
    /// were started by systemd.
    package static func childEnvironment(adding extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            environment[name] = nil
        }
        environment.merge(extra) { _, new in new }
        return environment
    }
}

/// A fresh folder under /tmp (short, so that socket paths fit in `sun_path`), removed when the
/// last reference goes away.
package final class TemporaryDirectory: Sendable {
    /// The folder's absolute path.
    package let path: String

    package init() throws {
        var template = Array("/tmp/cdt.XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else { throw HarnessError("mkdtemp failed: \(String(cString: strerror(errno)))") }
        self.path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `name` inside the folder.
    package func file(_ name: String) -> String {
        self.path + "/" + name
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

// MARK: - Small helpers used by every test file

/// `text` as a JSON string literal (quotes and escapes included).
package func q(_ text: String) -> String {
    JSONWriter.string(.string(text))
}

/// Parses JSON text that the test itself wrote.
package func json(_ text: String) throws -> JSON {
    try JSONParser.parse(text)
}

/// Sleeps without blocking a thread of the cooperative pool.
package func pause(_ duration: Duration) async throws {
    try await Task.sleep(for: duration)
}

/// The permission bits of `path` (not following a final symlink), nil when it does not exist.
package func permissionBits(of path: String) -> mode_t? {
    var status = stat()
    guard lstat(path, &status) == 0 else { return nil }
    return status.st_mode & 0o7777
}

/// True when `path` exists and is a socket.
package func isSocket(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK
}

/// True when `path` exists, whatever it is.
package func exists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
}

/// Calls `body` with `path` as a `sockaddr_un`.
package func withUnixAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) throws -> R {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard path.utf8.count < capacity else { throw HarnessError("socket path too long: \(path)") }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: path.utf8)
        raw[path.utf8.count] = 0
    }
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}

/// The text of the last `errno`.
package func lastErrorText() -> String {
    String(cString: strerror(errno))
}

extension JSON {
    /// The integer, when this is one.
    package var asInt: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The double, when this is one.
    package var asDouble: Double? {
        if case .double(let value) = self { return value }
        return nil
    }

    /// The boolean, when this is one.
    package var asBool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The string, when this is one.
    package var asString: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The array, when this is one.
    package var asArray: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object, when this is one.
    package var asObject: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The member `name` of an object; nil for anything else.
    package func member(_ name: String) -> JSON? {
        self.asObject?[name]
    }

    /// The array's strings, when this is an array of strings.
    package var asStrings: [String]? {
        guard let array = self.asArray else { return nil }
        let strings = array.compactMap(\.asString)
        return strings.count == array.count ? strings : nil
    }

    /// Structural equality that ignores object member order but not number kinds
    /// (`1` and `1.0` differ, as they print differently).
    package func sameValue(as other: JSON) -> Bool {
        switch (self, other) {
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            for member in left.members {
                guard let value = right[member.key], member.value.sameValue(as: value) else { return false }
            }
            return true
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.sameValue(as: $1) }
        case (.double(let left), .double(let right)):
            return left == right && left.sign == right.sign
        default:
            return self == other
        }
    }
}

/// Polls `condition` until it holds; false when it still does not after `timeout`.
package func eventually(timeout: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(for: .milliseconds(10))
    }
}
