/// The set of ids a connection sent, one bit per id of the id space, so a run can say how many
/// distinct contacts it touched (what `contacts.count` must report afterwards).
struct IDBitset: Sendable {
    private var words: [UInt64]

    /// An empty set over `0..<space`; `space` 0 tracks nothing.
    init(space: Int) {
        self.words = [UInt64](repeating: 0, count: (space + 63) / 64)
    }

    var isTracking: Bool { !self.words.isEmpty }

    @inline(__always)
    mutating func insert(_ id: Int) {
        guard !self.words.isEmpty else { return }
        self.words[id >> 6] |= 1 << UInt64(id & 63)
    }

    mutating func formUnion(_ other: IDBitset) {
        if self.words.isEmpty {
            self.words = other.words
            return
        }
        for index in other.words.indices {
            self.words[index] |= other.words[index]
        }
    }

    var count: Int {
        self.words.reduce(0) { $0 + $1.nonzeroBitCount }
    }
}
