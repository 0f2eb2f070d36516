import Testing

@testable import ContactStore

struct ChangePositionsTests {
    /// Every id recorded keeps its position through growth, a repeated id answers its first
    /// position without taking the new one, and an id never recorded has none.
    @Test func remembersEveryIdThroughGrowth() {
        var table = ChangePositions(capacity: 4)
        #expect(table["absent"] == nil)
        let ids = (0..<500).map { $0 % 3 == 0 ? "a-much-longer-external-id-\($0)" : "u\($0)" }
        for (position, id) in ids.enumerated() {
            #expect(table.position(of: id, orRecord: position) == nil)
        }
        for (position, id) in ids.enumerated() {
            #expect(table[id] == position)
            #expect(table.position(of: id, orRecord: 10_000) == position)
        }
        #expect(table["u500"] == nil)
        table.set(7, for: "u1")
        #expect(table["u1"] == 7)
    }
}
