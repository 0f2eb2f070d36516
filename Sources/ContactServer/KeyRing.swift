import ContactCore

#if canImport(Glibc)
import Glibc
#endif

/// The API keys and the project each selects (PROTOCOL.md sections 2 and 10).
///
/// Keys are held as SHA-256 digests; a presented key is hashed and compared with every digest
/// in constant time, so neither timing nor memory reveals a key.
public struct KeyRing: Sendable {
    /// Why a keys file was refused.
    public struct LoadError: Error, CustomStringConvertible {
        /// What is wrong, naming the file.
        public var description: String
    }

    private struct Entry: Sendable {
        let digest: [UInt8]
        let grant: KeyGrant
        /// True when the keys file gave the key as its `sha256:` digest.
        let isDigest: Bool
    }

    private let entries: [Entry]

    /// The projects that have at least one key, sorted.
    public var projects: [String] { Array(Set(self.entries.compactMap(\.grant.project))).sorted() }

    /// The number of admin keys.
    public var adminCount: Int { self.entries.count { $0.grant.isAdmin } }

    /// The number of keys.
    public var count: Int { self.entries.count }

    /// Parses a keys file's text: a JSON object from key (or `sha256:<64 hex>`) to a project name
    /// or to an object `{"project": NAME, "admin": BOOL}` with at least one of the two.
    public init(json text: [UInt8], source: String) throws(LoadError) {
        let value: JSON
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw LoadError(description: "\(source): not valid JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw LoadError(description: "\(source): must be a JSON object from API key to project name")
        }
        var entries: [Entry] = []
        for member in object.members {
            let key = member.key
            let grant = try KeyGrant(keysFileValue: member.value, source: source)
            if key.isEmpty { throw LoadError(description: "\(source): an API key must not be empty") }
            let digest: [UInt8]
            let isDigest = key.utf8.starts(with: "sha256:".utf8)
            if isDigest {
                let digits = key.utf8.dropFirst(7)
                guard digits.count == 64, let parsed = Hex.decode(digits) else {
                    throw LoadError(description: "\(source): a sha256: key must be followed by 64 hex digits")
                }
                digest = parsed
            } else {
                digest = SHA256.hash(key.utf8)
            }
            if let earlier = entries.first(where: { Self.constantTimeEqual($0.digest, digest) }) {
                let (first, second) = (earlier.grant.description, grant.description)
                let projects = first == second ? first : "\(first) and \(second)"
                let forms = earlier.isDigest && isDigest ? "as two sha256: digests" : "plain and as its sha256: digest"
                throw LoadError(description: "\(source): the same API key is given twice (\(forms)), for \(projects)")
            }
            entries.append(Entry(digest: digest, grant: grant, isDigest: isDigest))
        }
        self.entries = entries
    }

    /// Reads and parses the keys file at `path`.
    public static func load(path: String) throws(LoadError) -> KeyRing {
        guard let bytes = FileBytes.read(path: path) else {
            throw LoadError(description: "cannot read keys file \(path): \(String(cString: strerror(errno)))")
        }
        return try KeyRing(json: bytes, source: path)
    }

    /// The project `key` selects, or nil for an unknown key or an admin key naming no project.
    public func project(forKey key: String) -> String? {
        self.grant(forKey: key)?.project
    }

    /// What `key` may do, or nil for an unknown key.
    public func grant(forKey key: String) -> KeyGrant? {
        let digest = SHA256.hash(key.utf8)
        var match: KeyGrant?
        for entry in self.entries where Self.constantTimeEqual(entry.digest, digest) && match == nil {
            match = entry.grant
        }
        return match
    }

    /// True when `lhs` and `rhs` hold the same bytes; for equal lengths the time taken does not
    /// depend on where they differ.
    public static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<lhs.count { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// What a log line says in place of a key: no part of it (PROTOCOL.md section 10).
    public static func redacted(_ key: String) -> String {
        "(withheld)"
    }

    /// True for 1 to 64 of `A-Z a-z 0-9 _ -`.
    public static func isValidProjectName(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }
}
