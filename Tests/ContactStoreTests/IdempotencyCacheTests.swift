import ContactCore
import ContactStore
import Testing

struct IdempotencyCacheTests {
    private func record(_ key: String, at milliseconds: Int64) -> IdempotencyRecord {
        IdempotencyRecord(
            key: key,
            fingerprint: Fingerprint(high: 0, low: UInt64(key.utf8.count)),
            response: Array(#"{"statusCode":200,"success":true"#.utf8),
            at: Timestamp(milliseconds: milliseconds)
        )
    }

    /// Keys younger than 24 hours are all kept, even past 100,000 of them.
    @Test func keepsEveryKeyOfTheLastDay() {
        var cache = IdempotencyCache()
        let start: Int64 = 1_700_000_000_000
        for number in 0...IdempotencyCache.minimumCount {
            cache.remember(self.record("k\(number)", at: start + Int64(number)), sequence: UInt64(number))
        }
        #expect(cache.count == IdempotencyCache.minimumCount + 1)
        #expect(cache["k0"] != nil)
    }

    /// Once keys are older than 24 hours, the oldest are forgotten down to the last 100,000.
    @Test func forgetsOldKeysBeyondTheLast100000() {
        var cache = IdempotencyCache()
        let start: Int64 = 1_700_000_000_000
        for number in 0..<(IdempotencyCache.minimumCount + 5) {
            cache.remember(self.record("k\(number)", at: start), sequence: UInt64(number))
        }
        let dayLater = start + IdempotencyCache.minimumAgeMilliseconds + 1
        cache.remember(self.record("late", at: dayLater), sequence: 1_000_000)
        #expect(cache.count == IdempotencyCache.minimumCount)
        for number in 0..<6 { #expect(cache["k\(number)"] == nil) }
        #expect(cache["k6"] != nil)
        #expect(cache["late"]?.sequence == 1_000_000)
        #expect(cache.records.first?.key == "k6")
        #expect(cache.records.last?.key == "late")
    }

    /// Fewer than 100,000 keys are kept however old they are.
    @Test func keepsTheLast100000WhateverTheirAge() {
        var cache = IdempotencyCache()
        cache.remember(self.record("old", at: 0), sequence: 1)
        cache.remember(self.record("new", at: 10 * IdempotencyCache.minimumAgeMilliseconds), sequence: 2)
        #expect(cache["old"] != nil)
        #expect(cache.count == 2)
    }
}
