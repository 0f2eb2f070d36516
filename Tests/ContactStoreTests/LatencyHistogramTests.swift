import Testing

@testable import ContactStore

/// The percentiles `admin.stats` reports for fsyncs.
struct LatencyHistogramTests {
    /// Nothing recorded: no percentile.
    @Test func emptyHasNoQuantile() {
        #expect(LatencyHistogram().quantile(0.5) == nil)
    }

    /// A percentile is its power-of-two bucket's upper bound (at most twice the true value),
    /// never above the longest duration recorded.
    @Test func quantilesAreBucketBounds() {
        var histogram = LatencyHistogram()
        for _ in 0..<99 { histogram.record(nanoseconds: 1_000) }
        histogram.record(nanoseconds: 5_000_000)
        #expect(histogram.count == 100)
        #expect(histogram.quantile(0.5) == 1_024)
        #expect(histogram.quantile(0.99) == 1_024)
        #expect(histogram.quantile(1.0) == 5_000_000)
        #expect(histogram.maxNanoseconds == 5_000_000)
    }

    /// The edges: 0 and 1 ns share the first bucket, exact powers of two stay in their own, and
    /// the largest value fits the last bucket.
    @Test func edges() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 0)
        histogram.record(nanoseconds: 1)
        histogram.record(nanoseconds: 2)
        histogram.record(nanoseconds: 1 << 20)
        histogram.record(nanoseconds: (1 << 20) + 1)
        histogram.record(nanoseconds: UInt64.max)
        #expect(histogram.buckets[0] == 2)
        #expect(histogram.buckets[1] == 1)
        #expect(histogram.buckets[20] == 1)
        #expect(histogram.buckets[21] == 1)
        #expect(histogram.buckets[63] == 1)
        #expect(histogram.quantile(0.5) == 2)
    }
}
