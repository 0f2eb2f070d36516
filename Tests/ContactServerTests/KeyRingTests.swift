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

    /// Empty keys, bad digests and bad project names are refused, naming the file.
    @Test(arguments: [
        #"{"":"p"}"#, #"{"sha256:abc":"p"}"#, #"{"k":"bad name"}"#, #"{"k":""}"#, #"{"k":1}"#, "[]", "{",
        #"{"k":"\#(String(repeating: "a", count: 65))"}"#,
    ])
    func refusesBadFiles(text: String) {
        #expect(throws: KeyRing.LoadError.self) { try KeyRing(json: Array(text.utf8), source: "keys.json") }
    }
}
