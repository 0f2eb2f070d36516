import SeededRandom

/// What one connection sends: how many contacts per request, how many requests in flight, where
/// the ids come from, which requests are reads, and when it stops.
struct ConnectionPlan: Sendable {
    var batch: Int
    var pipeline: Int
    var ids: IDSource
    /// Requests this connection sends in all; nil to send until the run's deadline.
    var quota: Int?
    /// Size of the id space to track touched ids over; 0 tracks nothing.
    var trackedIDSpace: Int
    /// A connection with requests in flight and no reply for this long gives up.
    var stallTimeoutNanoseconds: UInt64
    /// Percent of requests (0…100) that are read batches instead of upserts.
    var readPercent: Int = 0
    /// Ids per read batch.
    var readBatch: Int = 1
    /// Decides, request by request, whether it is a read.
    var readChooser = SplitMix64(seed: 0)
    /// Length of the slices the window is cut into for a throughput-over-time series; 0 for none.
    var intervalNanoseconds: UInt64 = 0
}
