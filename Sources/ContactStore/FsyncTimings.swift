import CoreMetrics
import Synchronization

/// How long the journals' fsyncs take: every journal writer of the process records here, for
/// `admin.stats` (percentiles) and the `contactd_journal_fsync_duration_seconds` histogram.
public final class FsyncTimings: Sendable {
    /// The process's timings (a daemon runs one store).
    public static let shared = FsyncTimings()

    /// The metric's name.
    public static let metricName = "contactd_journal_fsync_duration_seconds"

    private let histogram = Mutex(LatencyHistogram())
    private let timer: CoreMetrics.Timer

    private init() {
        // Made on first use: after the daemon bootstrapped the metrics system.
        self.timer = CoreMetrics.Timer(label: Self.metricName)
    }

    /// Records one fsync that took `nanoseconds`.
    func record(nanoseconds: UInt64) {
        self.histogram.withLock { $0.record(nanoseconds: nanoseconds) }
        self.timer.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// The fsyncs recorded so far.
    public var snapshot: LatencyHistogram { self.histogram.withLock { $0 } }
}
