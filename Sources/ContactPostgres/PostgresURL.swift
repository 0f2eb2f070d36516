#if canImport(Glibc)
import Glibc
#endif

/// A `postgresql://` connection URL read by libpq's rules (PROTOCOL.md section 13).
///
/// `postgresql://[USER[:PASSWORD]@][HOST][:PORT][/DATABASE][?NAME=VALUE&…]`, also spelled
/// `postgres://`; percent-escapes are decoded. The parameters `host` (a folder starting with `/`
/// names a Unix-socket server, and then the URL's host part is ignored), `port`, `user`,
/// `password`, `dbname`, `sslmode` and `application_name` are understood; any other is refused.
public struct PostgresURL: Sendable, Equatable {
    /// How the connection is encrypted (libpq's `sslmode`).
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        /// Never TLS.
        case disable
        /// libpq tries without TLS first: here, no TLS.
        case allow
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS always, without checking the server's certificate.
        case require
        /// TLS always, with the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    /// Where the server listens.
    public enum Endpoint: Sendable, Equatable {
        /// A TCP host and port.
        case tcp(host: String, port: Int)
        /// A Unix-domain socket: the socket file's full path (`FOLDER/.s.PGSQL.PORT`).
        case unixSocket(path: String)
    }

    /// The server's address.
    public var endpoint: Endpoint
    /// The role to log in as.
    public var user: String
    /// The password, if any.
    public var password: String?
    /// The database.
    public var database: String
    /// The TLS mode (never used on a Unix socket, as with libpq).
    public var sslMode: SSLMode
    /// The `application_name` the server shows for the connections.
    public var applicationName: String

    /// Parses `text`; `defaultUser` stands for the user when the URL names none (libpq takes the
    /// operating-system user's name).
    public init(_ text: String, defaultUser: String = PostgresURL.currentUserName()) throws(PostgresURLError) {
        var rest = Substring(text)
        if rest.hasPrefix("postgresql://") {
            rest = rest.dropFirst("postgresql://".count)
        } else if rest.hasPrefix("postgres://") {
            rest = rest.dropFirst("postgres://".count)
        } else {
            throw PostgresURLError("\(text.debugDescription) does not start with postgresql:// or postgres://")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = try Self.decode(credentials[..<colon], part: "user")
                password = try Self.decode(credentials[credentials.index(after: colon)...], part: "password")
            } else {
                user = try Self.decode(credentials, part: "user")
            }
        }
        var host = ""
        var portText: String?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw PostgresURLError("the host [ has no closing ]") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = String(after.dropFirst()) }
        } else if let colon = rest.lastIndex(of: ":") {
            host = try Self.decode(rest[..<colon], part: "host")
            portText = String(rest[rest.index(after: colon)...])
        } else {
            host = try Self.decode(rest, part: "host")
        }
        if host.contains(",") { throw PostgresURLError("several hosts in one URL are not supported") }
        var database = try Self.decode(path, part: "database")
        var socketFolder: String?
        var sslMode = SSLMode.prefer
        var applicationName = "contactd"
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else {
                throw PostgresURLError("URL parameter \(String(pair).debugDescription) has no value")
            }
            let name = try Self.decode(pair[..<equals], part: "parameter name")
            let value = try Self.decode(pair[pair.index(after: equals)...], part: "parameter \(name)")
            switch name {
            case "host":
                if value.hasPrefix("/") { socketFolder = value } else { host = value }
            case "port": portText = value
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "application_name": applicationName = value
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    let known = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw PostgresURLError("sslmode \(value.debugDescription) is not supported (use one of \(known))")
                }
                sslMode = mode
            default:
                throw PostgresURLError(
                    "URL parameter \(name.debugDescription) is not supported (known: host, port, user, password, "
                        + "dbname, sslmode, application_name)"
                )
            }
        }
        var port = 5432
        if let portText, !portText.isEmpty {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw PostgresURLError("port \(portText.debugDescription) is not a number from 1 to 65535")
            }
            port = number
        }
        let resolvedUser = user.flatMap { $0.isEmpty ? nil : $0 } ?? defaultUser
        guard !resolvedUser.isEmpty else { throw PostgresURLError("the URL names no user") }
        if let socketFolder {
            self.endpoint = .unixSocket(path: socketFolder + "/.s.PGSQL.\(port)")
        } else {
            self.endpoint = .tcp(host: host.isEmpty ? "localhost" : host, port: port)
        }
        self.user = resolvedUser
        self.password = password
        self.database = database.isEmpty ? resolvedUser : database
        self.sslMode = sslMode
        self.applicationName = applicationName
    }

    /// The URL without its password, for logs.
    public var redacted: String {
        let place: String
        switch self.endpoint {
        case .tcp(let host, let port): place = "\(host):\(port)"
        case .unixSocket(let path): place = path
        }
        return "postgresql://\(self.user)@\(place)/\(self.database)"
    }

    /// The name of the user the process runs as (libpq's default user), or "" when unknown.
    public static func currentUserName() -> String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "" }
        return String(cString: name)
    }

    /// `text` with `%XX` escapes decoded; it must be UTF-8.
    private static func decode(_ text: Substring, part: String) throws(PostgresURLError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue)
            else { throw PostgresURLError("the \(part) has a bad percent-escape") }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw PostgresURLError("the \(part) is not UTF-8 after percent-decoding")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
