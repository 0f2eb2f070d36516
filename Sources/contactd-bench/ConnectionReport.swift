import Histogram

/// What one connection measured.
struct ConnectionReport: Sendable {
    /// Write batch latency in microseconds, replies inside the measurement window only.
    var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: Self.highestLatency)
    /// Write requests (batches) answered and contacts applied inside the measurement window.
    var windowRequests = 0
    var windowContacts = 0
    /// Write requests answered and contacts applied in all (warm-up and drain included).
    var requests = 0
    var contacts = 0
    /// Read batch latency in microseconds, inside the measurement window only.
    var readLatency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: Self.highestLatency)
    /// Read batches answered and contacts read inside the window, and in all.
    var windowReads = 0
    var windowReadContacts = 0
    var reads = 0
    var readContacts = 0
    /// Per slice of the window (`--interval`): write contacts applied and the slowest write batch (µs).
    var intervalContacts: [Int] = []
    var intervalMaxLatency: [UInt64] = []
    /// Reads of ids the server did not have, in all.
    var readMisses = 0
    /// Replies that were not a 200 (contactd only).
    var rejected = 0
    /// Failed entries inside 200 replies, or Redis error replies; failed reads.
    var failedEntries = 0
    /// Requests sent and never answered (connection lost or stalled).
    var lost = 0
    /// When the last reply arrived.
    var lastReplyAt: UInt64 = 0
    /// Ids this connection sent.
    var touched: IDBitset
    /// Why the connection ended early, if it did.
    var failure: String?

    /// One minute, in microseconds; slower batches are recorded as one minute.
    static let highestLatency: UInt64 = 60_000_000

    init(trackedIDSpace: Int) {
        self.touched = IDBitset(space: trackedIDSpace)
    }
}
