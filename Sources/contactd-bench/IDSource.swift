import SeededRandom

/// Where one connection takes the ids of its contacts from: uniform random over the id space
/// (the normal workloads), or every id of a range once, in order (`--load`).
struct IDSource: Sendable {
    private enum Kind: Sendable {
        case random(SplitMix64, space: Int)
        case range(next: Int, end: Int)
    }

    private var kind: Kind

    /// Ids drawn uniformly from `0..<space` with a generator seeded by `seed`.
    static func random(seed: UInt64, space: Int) -> IDSource {
        IDSource(kind: .random(SplitMix64(seed: seed), space: space))
    }

    /// Every id of `range`, once, in order.
    static func range(_ range: Range<Int>) -> IDSource {
        IDSource(kind: .range(next: range.lowerBound, end: range.upperBound))
    }

    /// The next id, or nil when a range is used up.
    mutating func next() -> Int? {
        switch self.kind {
        case .random(var generator, let space):
            let id = generator.next(below: space)
            self.kind = .random(generator, space: space)
            return id
        case .range(let next, let end):
            guard next < end else { return nil }
            self.kind = .range(next: next + 1, end: end)
            return next
        }
    }
}
