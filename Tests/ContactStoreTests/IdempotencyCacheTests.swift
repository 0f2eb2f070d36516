import ContactCore
import ContactStore
import Testing

struct IdempotencyCacheTests {
    /// A response of 32 bytes.
    private static let response = Array(#"{"statusCode":200,"success":true"#.utf8)

    private func record(_ key: String, at milliseconds: Int64, response: [UInt8] = Self.response) -> IdempotencyRecord {
        IdempotencyRecord(
            key: key,
            fingerprint: Fingerprint(high: 0, low: UInt64(key.utf8.count)),
            response: response,
            at: Timestamp(milliseconds: milliseconds)
        )
    }

    /// Small bounds: 10 keys, 1 second, 1 KiB.
    private let small = IdempotencyCache.Limits(maxKeys: 10, maxAgeMilliseconds: 1000, maxBytes: 1024)

    /// The defaults are PROTOCOL.md's: 100,000 keys, 24 hours, 64 MiB.
    @Test func defaultsAreTheProtocols() {
        let limits = IdempotencyCache().limits
        #expect(limits.maxKeys == 100_000)
        #expect(limits.maxAgeMilliseconds == 24 * 3600 * 1000)
        #expect(limits.maxBytes == 64 << 20)
    }

    /// At the key limit every key is kept; one past it forgets the oldest.
    @Test func keepsAtMostMaxKeys() {
        var cache = IdempotencyCache(limits: self.small)
        for number in 0..<10 { cache.remember(self.record("k\(number)", at: 0), sequence: UInt64(number)) }
        #expect(cache.count == 10)
        #expect(cache["k0"] != nil)
        cache.remember(self.record("k10", at: 0), sequence: 10)
        #expect(cache.count == 10)
        #expect(cache["k0"] == nil)
        #expect(cache["k1"] != nil)
        #expect(cache.records.map(\.key) == (1...10).map { "k\($0)" })
    }

    /// 100,000 keys of the default bounds are all kept; the 100,001st forgets the oldest.
    @Test func defaultKeepsTheLast100000() {
        var cache = IdempotencyCache()
        for number in 0..<100_000 { cache.remember(self.record("k\(number)", at: 0), sequence: UInt64(number)) }
        #expect(cache.count == 100_000)
        #expect(cache["k0"] != nil)
        cache.remember(self.record("new", at: 1), sequence: 100_000)
        #expect(cache.count == 100_000)
        #expect(cache["k0"] == nil)
    }

    /// Keys and responses fit in the byte bound (oldest forgotten first): at the bound all stay,
    /// one byte past it forgets the oldest.
    @Test func keepsWithinMaxBytes() {
        var cache = IdempotencyCache(limits: .init(maxKeys: 100, maxAgeMilliseconds: 1000, maxBytes: 1024))
        // Each key is 2 bytes ("aN") and each response 254: 4 of them are exactly 1024 bytes.
        let response = [UInt8](repeating: UInt8(ascii: "x"), count: 254)
        for number in 0..<4 { cache.remember(self.record("a\(number)", at: 0, response: response), sequence: 1) }
        #expect(cache.count == 4)
        #expect(cache.bytes == 1024)
        cache.remember(self.record("b", at: 0, response: []), sequence: 2)
        #expect(cache.count == 4)
        #expect(cache["a0"] == nil)
        #expect(cache["a1"] != nil)
        #expect(cache.bytes == 1024 - 256 + 1)
    }

    /// A key older than the age bound never replays, even before eviction has run; at the bound it does.
    @Test func expiredKeyDoesNotReplayBeforeEviction() {
        var cache = IdempotencyCache(limits: self.small)
        cache.remember(self.record("old", at: 0), sequence: 1)
        #expect(cache.lookup("old", now: Timestamp(milliseconds: 1000)) != nil)
        #expect(cache.count == 1)
        #expect(cache.lookup("old", now: Timestamp(milliseconds: 1001)) == nil)
        #expect(cache.count == 0)
    }

    /// Remembering a newer key forgets keys older than the age bound.
    @Test func rememberForgetsExpiredKeys() {
        var cache = IdempotencyCache(limits: self.small)
        cache.remember(self.record("old", at: 0), sequence: 1)
        cache.remember(self.record("new", at: 2000), sequence: 2)
        #expect(cache["old"] == nil)
        #expect(cache.records.map(\.key) == ["new"])
    }

    /// Keys compare as bytes: "café" in NFC and in NFD are two keys.
    @Test func keysCompareAsBytes() {
        var cache = IdempotencyCache()
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)  // Swift's String equality, which the cache must not use
        cache.remember(self.record(composed, at: 0), sequence: 1)
        #expect(cache[composed] != nil)
        #expect(cache[decomposed] == nil)
        #expect(cache.lookup(decomposed, now: Timestamp(milliseconds: 0)) == nil)
        cache.remember(self.record(decomposed, at: 0), sequence: 2)
        #expect(cache.count == 2)
        #expect(cache[decomposed]?.sequence == 2)
        #expect(cache[composed]?.sequence == 1)
        #expect(Array(cache.records.map { Array($0.key.utf8) }) == [Array(composed.utf8), Array(decomposed.utf8)])
    }

    /// Remembering a key again (its journal sequence) keeps its place and its byte count.
    @Test func rememberingAgainKeepsOrder() {
        var cache = IdempotencyCache(limits: self.small)
        cache.remember(self.record("a", at: 0), sequence: .max)
        cache.remember(self.record("b", at: 0), sequence: .max)
        let bytes = cache.bytes
        cache.remember(self.record("a", at: 0), sequence: 7)
        #expect(cache.records.map(\.key) == ["a", "b"])
        #expect(cache["a"]?.sequence == 7)
        #expect(cache.bytes == bytes)
    }

    /// A new request reusing an expired key that was not forgotten yet replaces it as the newest.
    @Test func reusedExpiredKeyStartsAnew() {
        var cache = IdempotencyCache(limits: self.small)
        cache.remember(self.record("a", at: 5000), sequence: 1)
        cache.remember(self.record("b", at: 0), sequence: 2)  // older than "a", behind it in the order
        #expect(cache.lookup("b", now: Timestamp(milliseconds: 5000)) == nil)
        let response = Array("new".utf8)
        cache.remember(self.record("b", at: 5000, response: response), sequence: 3)
        #expect(cache.records.map(\.key) == ["a", "b"])
        #expect(cache["b"]?.record.response == response)
        #expect(cache.bytes == 1 + Self.response.count + 1 + response.count)
    }

    /// A remembered response is held in an array no larger than the response.
    @Test func responseStoredCompactly() {
        var response: [UInt8] = []
        response.reserveCapacity(4096)
        response.append(contentsOf: Self.response)
        var cache = IdempotencyCache()
        cache.remember(self.record("k", at: 0, response: response), sequence: 1)
        let stored = cache["k"]!.record.response
        #expect(stored == Self.response)
        #expect(stored.capacity < 64)
    }
}
