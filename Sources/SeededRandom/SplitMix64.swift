/// A small, fast, seedable pseudo-random generator (SplitMix64): the same seed gives the same
/// sequence on every run, so load runs and randomised tests are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `0..<bound` by multiply-shift (bias below 2^-40 for bounds under 2^24).
    public mutating func next(below bound: Int) -> Int {
        Int(truncatingIfNeeded: self.next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniformly chosen value in `range`.
    public mutating func int(_ range: Range<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    /// True with probability `numerator`/`denominator`.
    public mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        self.int(0..<denominator) < numerator
    }
}
