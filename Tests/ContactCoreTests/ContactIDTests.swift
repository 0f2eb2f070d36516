import ContactCore
import SeededRandom
import Testing

struct ContactIDTests {
    // MARK: - ContactID

    @Test func hexRoundTrip() throws {
        let id = try #require(ContactID(hex: "572d923d09fd33bb9115c3af"))
        #expect(id.description == "572d923d09fd33bb9115c3af")
        #expect(id.high == 0x572d_923d_09fd_33bb)
        #expect(id.low == 0x9115_c3af)
        #expect(id.bytes == [0x57, 0x2d, 0x92, 0x3d, 0x09, 0xfd, 0x33, 0xbb, 0x91, 0x15, 0xc3, 0xaf])
        #expect(ContactID(bytes: id.bytes) == id)
        #expect(ContactID(high: id.high, low: id.low) == id)
    }

    @Test func layoutIsBigEndian() throws {
        let id = try #require(ContactID(hex: "0102030405060708090a0b0c"))
        #expect(id.high == 0x0102_0304_0506_0708)
        #expect(id.low == 0x090a_0b0c)
        #expect(id.bytes == Array(1...12))
        #expect(ContactID(high: 0, low: 0).description == "000000000000000000000000")
        #expect(ContactID(high: .max, low: .max).description == "ffffffffffffffffffffffff")
        #expect(ContactID(high: 1, low: 0x10).description == "000000000000000100000010")
    }

    /// Uppercase hex is accepted and printed back in lowercase.
    @Test func acceptsUppercase() throws {
        let id = try #require(ContactID(hex: "572D923D09FD33BB9115C3AF"))
        #expect(id.description == "572d923d09fd33bb9115c3af")
        #expect(ContactID(hex: "572d923D09fd33BB9115c3af") == id)
    }

    @Test(arguments: [
        "",
        "572d923d09fd33bb9115c3a",  // 23 digits
        "572d923d09fd33bb9115c3af0",  // 25 digits
        "572d923d09fd33bb9115c3ag",  // not hex
        "0x572d923d09fd33bb9115c3",
        " 572d923d09fd33bb9115c3a",
        "572d923d09fd33bb9115c3a ",
        "572d923d-9fd33bb9115c3af",
        "\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}\u{E9}",  // 24 bytes of UTF-8
        "\u{FF10}2d923d09fd33bb9115c3a",  // fullwidth digit, 24 bytes
    ])
    func rejectsMalformedHex(_ text: String) {
        #expect(ContactID(hex: text) == nil)
    }

    /// Random ids survive the hex round trip, and ordering them agrees with ordering their text.
    @Test func randomIDsRoundTripAndOrderLikeTheirText() throws {
        var rng = SplitMix64(seed: 0x1D_0001)
        var ids: [ContactID] = []
        for _ in 0..<2000 {
            let id = ContactID(high: rng.next(), low: UInt32(truncatingIfNeeded: rng.next()))
            let text = id.description
            #expect(Self.isLowercaseHex24(text), "\(text)")
            #expect(ContactID(hex: text) == id)
            #expect(ContactID(hex: text.uppercased()) == id)
            #expect(ContactID(bytes: id.bytes) == id)
            ids.append(id)
        }
        for (a, b) in zip(ids, ids.dropFirst()) {
            #expect((a < b) == (a.description < b.description))
        }
        #expect(ids.sorted().map(\.description) == ids.map(\.description).sorted())
    }

    // MARK: - ContactIDGenerator

    /// 100k ids from one generator within the same second: all distinct, all 24 lowercase hex, the
    /// time in the first 4 bytes, the same 5 random bytes, and a counter that goes up by one
    /// (modulo 2^24) each time.
    @Test func generatesUniqueIDs() throws {
        let generator = ContactIDGenerator()
        let now = try #require(Timestamp(rfc3339: "2016-10-22T04:31:13.589Z"))
        var seen = Set<ContactID>()
        seen.reserveCapacity(100_000)
        var previous: ContactID?
        for index in 0..<100_000 {
            let id = generator.next(now: now)
            #expect(seen.insert(id).inserted, "duplicate id \(id) at \(index)")
            let text = id.description
            if text.utf8.count != 24 || !Self.isLowercaseHex24(text) {
                Issue.record("not 24 lowercase hex digits: \(text)")
            }
            if id.high >> 32 != 1_477_110_673 { Issue.record("time portion of \(text)") }
            if let previous {
                if Self.randomPortion(id) != Self.randomPortion(previous) {
                    Issue.record("random portion changed: \(text)")
                }
                if Self.counter(id) != (Self.counter(previous) + 1) & 0xFF_FFFF {
                    Issue.record("counter not monotonic: \(previous) then \(text)")
                }
            }
            previous = id
        }
        #expect(seen.count == 100_000)
    }

    @Test func stampsTheTimeInSeconds() throws {
        let generator = ContactIDGenerator()
        let first = generator.next(now: Timestamp(milliseconds: 1_000_999))
        let second = generator.next(now: Timestamp(milliseconds: 1_001_000))
        #expect(first.high >> 32 == 1000)
        #expect(second.high >> 32 == 1001)
        #expect(first < second)
        #expect(first.description.hasPrefix("000003e8"))
        // Instants before the epoch stamp zero rather than wrapping.
        #expect(generator.next(now: Timestamp(milliseconds: -5000)).high >> 32 == 0)
        // The current time is what ObjectId-style ids carry.
        let now = Timestamp.now()
        #expect(generator.next(now: now).high >> 32 == UInt64(now.milliseconds / 1000))
    }

    /// Two generators (two daemon runs) pick different random bytes, so their ids do not collide.
    @Test func generatorsDiffer() {
        let now = Timestamp(milliseconds: 1_477_110_673_589)
        let a = ContactIDGenerator().next(now: now)
        let b = ContactIDGenerator().next(now: now)
        #expect(Self.randomPortion(a) != Self.randomPortion(b))
        #expect(a != b)
    }

    /// One generator shared by concurrent tasks still hands out distinct ids.
    @Test func concurrentUseStaysUnique() async {
        let generator = ContactIDGenerator()
        let now = Timestamp(milliseconds: 1_477_110_673_589)
        let ids = await withTaskGroup(of: [ContactID].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<10_000).map { _ in generator.next(now: now) } }
            }
            var all: [ContactID] = []
            for await batch in group { all += batch }
            return all
        }
        #expect(ids.count == 40_000)
        #expect(Set(ids).count == 40_000)
        let counters = Set(ids.map(Self.counter))
        #expect(counters.count == 40_000)
    }

    // MARK: - Helpers

    /// The 5 random bytes: the low 4 bytes of `high` and the first byte of `low`.
    private static func randomPortion(_ id: ContactID) -> UInt64 {
        (id.high & 0xFFFF_FFFF) << 8 | UInt64(id.low >> 24)
    }

    /// The 3-byte counter.
    private static func counter(_ id: ContactID) -> UInt32 {
        id.low & 0xFF_FFFF
    }

    private static func isLowercaseHex24(_ text: String) -> Bool {
        text.utf8.count == 24
            && text.utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }
}
