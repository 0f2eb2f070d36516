import ContactCore
import ContactStore
import Testing

struct ContactIndexTests {
    private func contact(_ id: String) -> Contact {
        Contact(
            id: ContactID(high: 1, low: 2),
            externalId: id,
            profile: Array(#"{"id":"\#(id)"}"#.utf8),
            createdAt: Timestamp(milliseconds: 0),
            updatedAt: Timestamp(milliseconds: 0)
        )
    }

    /// The index holds exactly `expected`, walked in bytewise order.
    private func expectWalk(of index: ContactIndex, is expected: Set<String>) {
        #expect(index.count == expected.count)
        var walked: [String] = []
        index.forEach { walked.append($0.externalId) }
        #expect(walked == expected.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    /// Random inserts and removals keep every contact findable and the walk in bytewise order.
    @Test func keepsBytewiseOrderAcrossPages() {
        var index = ContactIndex()
        var expected: Set<String> = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let id = "k\(generator.next() % 3000)"
            if generator.next() % 4 == 0 {
                #expect((index.remove(id) != nil) == (expected.remove(id) != nil))
            } else {
                index.put(self.contact(id))
                expected.insert(id)
            }
        }
        self.expectWalk(of: index, is: expected)
        for id in expected { #expect(index[id]?.externalId == id) }
    }

    /// Full pages of ids whose first 16 bytes are the same (a search cannot tell them apart by
    /// prefix, so its first narrowing sees equal prefixes), mixed with ids that differ early:
    /// inserts, removals and lookups of present and absent ids agree with a set, and the walk
    /// stays in bytewise order.
    @Test func findsIdsThatShareTheirFirstSixteenBytes() {
        let shared = "customer-0000000"  // 16 bytes
        var index = ContactIndex()
        var expected: Set<String> = []
        var generator = SystemRandomNumberGenerator()
        func randomID() -> String {
            let number = generator.next() % 2000
            return generator.next() % 3 == 0 ? "c\(number)" : shared + String(number)
        }
        for _ in 0..<8000 {
            let id = randomID()
            switch generator.next() % 5 {
            case 0:
                #expect((index.remove(id) != nil) == (expected.remove(id) != nil))
            case 1:
                #expect((index[id]?.externalId == id) == expected.contains(id))
            default:
                index.put(self.contact(id))
                expected.insert(id)
            }
        }
        self.expectWalk(of: index, is: expected)
        for number in 0..<2000 {
            for id in ["c\(number)", shared + String(number)] {
                #expect((index[id]?.externalId == id) == expected.contains(id))
            }
        }
    }

    /// Paging with the last id as the position returns every contact exactly once.
    @Test func pagesEveryContactOnce() {
        var index = ContactIndex()
        for number in 0..<2345 { index.put(self.contact(String(number))) }
        var after: String?
        var seen: [String] = []
        while true {
            let (page, hasMore) = index.page(after: after, limit: 100)
            seen.append(contentsOf: page.map(\.externalId))
            guard hasMore, let last = page.last else { break }
            after = last.externalId
        }
        #expect(seen.count == 2345)
        #expect(Set(seen).count == 2345)
    }

    /// Ids that share long prefixes, differ only in length, or hold multi-byte characters sort
    /// bytewise and are all found.
    @Test func ordersLongAndNonASCIIIdsBytewise() {
        let prefix = String(repeating: "p", count: 20)
        let ids = [
            prefix, prefix + "a", prefix + "b", prefix + "\u{e9}", prefix + "e\u{301}", "a", "ab", "a\u{7e}",
            "\u{1F600}", "Z", "z", String(repeating: "x", count: 16), String(repeating: "x", count: 15),
            String(repeating: "x", count: 17), "\u{e9}", "e\u{301}",
        ]
        var index = ContactIndex()
        for id in ids.shuffled() { index.put(self.contact(id)) }
        var walked: [String] = []
        index.forEach { walked.append($0.externalId) }
        let expected = ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(walked.map { Array($0.utf8) } == expected.map { Array($0.utf8) })
        #expect(index.count == ids.count)
        for id in ids { #expect(index[id].map { Array($0.externalId.utf8) } == Array(id.utf8)) }
    }
}
