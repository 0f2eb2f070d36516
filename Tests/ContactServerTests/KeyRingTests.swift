import ContactCore
import ContactServer
import Testing

struct KeyRingTests {
    /// A raw key and a sha256: digest of a key both select their project; anything else selects none.
    @Test func rawAndDigestKeys() throws {
        let digest = SHA256.hex(SHA256.hash("s3cret".utf8)).uppercased()
        let ring = try KeyRing(json: Array(#"{"k1":"p1","sha256:\#(digest)":"p2"}"#.utf8), source: "keys")
        #expect(ring.project(forKey: "k1") == "p1")
        #expect(ring.project(forKey: "s3cret") == "p2")
        #expect(ring.project(forKey: "k2") == nil)
        #expect(ring.project(forKey: "sha256:\(digest)") == nil)
    }

    /// Object values: a project, an admin key, or both; a plain string is a project's key.
    @Test func objectValuesGrantProjectsAndAdmin() throws {
        let text = #"{"k1":"p1","k2":{"project":"p2"},"k3":{"admin":true},"k4":{"project":"p4","admin":true}}"#
        let ring = try KeyRing(json: Array(text.utf8), source: "keys")
        #expect(ring.grant(forKey: "k1") == KeyGrant(project: "p1", isAdmin: false))
        #expect(ring.grant(forKey: "k2") == KeyGrant(project: "p2", isAdmin: false))
        #expect(ring.grant(forKey: "k3") == KeyGrant(project: nil, isAdmin: true))
        #expect(ring.grant(forKey: "k4") == KeyGrant(project: "p4", isAdmin: true))
        #expect(ring.project(forKey: "k3") == nil)
        #expect(ring.projects == ["p1", "p2", "p4"])
        #expect(ring.adminCount == 2)
        #expect(ring.count == 4)
    }

    /// Empty keys, bad digests and bad project names are refused, naming the file.
    @Test(arguments: [
        #"{"":"p"}"#, #"{"sha256:abc":"p"}"#, #"{"k":"bad name"}"#, #"{"k":""}"#, #"{"k":1}"#, "[]", "{",
        #"{"k":"\#(String(repeating: "a", count: 65))"}"#, #"{"k":{}}"#, #"{"k":{"admin":false}}"#,
        #"{"k":{"admin":1}}"#, #"{"k":{"project":1}}"#, #"{"k":{"project":"p","x":true}}"#, #"{"k":[]}"#,
    ])
    func refusesBadFiles(text: String) {
        #expect(throws: KeyRing.LoadError.self) { try KeyRing(json: Array(text.utf8), source: "keys.json") }
    }
}

struct KeyRingDuplicateTests {
    private static let key = "duplicated-key-Zq8"
    private static let digest = SHA256.hex(SHA256.hash(key.utf8))

    private func loadError(_ text: String) -> String? {
        do {
            _ = try KeyRing(json: Array(text.utf8), source: "keys.json")
            return nil
        } catch {
            return error.description
        }
    }

    /// A key given plain and as its digest for one project fails, naming the project but neither key.
    @Test func plainAndDigestForOneProjectFails() throws {
        let message = try #require(loadError(#"{"\#(Self.key)":"alpha","sha256:\#(Self.digest)":"alpha"}"#))
        #expect(message.contains("given twice (plain and as its sha256: digest), for project alpha"))
        #expect(message.contains("keys.json"))
        #expect(!message.contains(String(Self.key.prefix(3))))
        #expect(!message.contains(String(Self.digest.prefix(6))))
    }

    /// A key given plain and as its digest (upper case, in either order) for two projects fails, naming both.
    @Test func plainAndDigestForTwoProjectsFails() throws {
        let message = try #require(loadError(#"{"sha256:\#(Self.digest.uppercased())":"beta","\#(Self.key)":"alpha"}"#))
        #expect(message.contains("alpha") && message.contains("beta"))
        #expect(!message.contains(String(Self.key.prefix(3))))
        #expect(!message.contains(String(Self.digest.prefix(6))))
        #expect(!message.contains(String(Self.digest.uppercased().prefix(6))))
    }

    /// The same digest in upper and lower case is the same key twice, and the message says so.
    @Test func digestInBothCasesFails() {
        let message = loadError(#"{"sha256:\#(Self.digest.uppercased())":"a","sha256:\#(Self.digest)":"a"}"#)
        #expect(message?.contains("given twice (as two sha256: digests), for project a") == true)
    }

    /// Distinct keys load.
    @Test func distinctKeysLoad() {
        #expect(
            loadError(#"{"\#(Self.key)":"alpha","sha256:\#(SHA256.hex(SHA256.hash("other".utf8)))":"alpha"}"#) == nil
        )
    }

    /// What a log says of a key holds no part of it (not even its first characters).
    @Test func redactedHoldsNoPartOfTheKey() {
        let key = "Zq9-unknown-key"
        let text = KeyRing.redacted(key)
        for length in 1...key.count {
            for start in 0...(key.count - length) where length >= 2 {
                let part = String(Array(key)[start..<(start + length)])
                #expect(!text.contains(part))
            }
        }
        #expect(!text.contains("Z"))
    }
}
