/// Counts of durations in power-of-two buckets of nanoseconds, for percentiles in `admin.stats`:
/// a percentile is reported as its bucket's upper bound, so it is at most twice the true value.
public struct LatencyHistogram: Sendable, Equatable {
    /// `buckets[i]` counts durations `d` with `2^(i-1) < d <= 2^i` ns (bucket 0: up to 1 ns).
    public private(set) var buckets = [Int](repeating: 0, count: 64)
    /// Durations recorded.
    public private(set) var count = 0
    /// The longest duration recorded, in nanoseconds.
    public private(set) var maxNanoseconds: UInt64 = 0

    /// An empty histogram.
    public init() {}

    /// Counts one duration of `nanoseconds`.
    public mutating func record(nanoseconds: UInt64) {
        let index = nanoseconds <= 1 ? 0 : min(63, 64 - (nanoseconds - 1).leadingZeroBitCount)
        self.buckets[index] += 1
        self.count += 1
        self.maxNanoseconds = max(self.maxNanoseconds, nanoseconds)
    }

    /// The upper bound in nanoseconds of the bucket holding the `fraction` quantile (0.5, 0.99),
    /// never above the longest duration; nil when nothing was recorded.
    public func quantile(_ fraction: Double) -> UInt64? {
        guard self.count > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(self.count)).rounded(.up)))
        var seen = 0
        for (index, count) in self.buckets.enumerated() {
            seen += count
            if seen >= rank { return min(UInt64(1) << UInt64(index), self.maxNanoseconds) }
        }
        return self.maxNanoseconds
    }
}
