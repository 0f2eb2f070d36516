import ContactCore
import CoreMetrics
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Counts what the server does, for `admin.stats` and the Prometheus metrics: requests by
/// method and status (`contactd_requests_total`), their durations
/// (`contactd_request_duration_seconds`) and the open connections. Recording is a few atomic
/// increments and one histogram update; nothing is allocated.
public final class RequestMetrics: Sendable {
    /// The metrics' names.
    public enum Name {
        /// Requests answered, by method and status.
        public static let requests = "contactd_requests_total"
        /// From reading a request line to its reply being ready (before any durability wait).
        public static let duration = "contactd_request_duration_seconds"
    }

    /// The `method` label of a line that named no known method.
    public static let unknownMethod = "none"

    private final class Cell: Sendable {
        let value = Atomic<Int>(0)
    }

    /// The methods in label order (`allCases` is built anew on each use: kept once here).
    private static let knownMethods = Method.allCases
    private static let methods: [String] = knownMethods.map(\.rawValue) + [unknownMethod]
    private static let statuses = Status.allCases

    private let counts: [Cell]
    private let counters: [CoreMetrics.Counter]
    private let timers: [CoreMetrics.Timer]
    private let connections = Atomic<Int>(0)
    private let started = ContinuousClock.now
    /// When the metrics started (the daemon's start), in seconds since 1970.
    public let startedAt: Double

    /// Metrics starting now, reporting to the metrics system bootstrapped so far.
    public init() {
        var counts: [Cell] = []
        var counters: [CoreMetrics.Counter] = []
        for method in Self.methods {
            for status in Self.statuses {
                counts.append(Cell())
                counters.append(
                    CoreMetrics.Counter(
                        label: Name.requests,
                        dimensions: [("method", method), ("status", String(status.rawValue))]
                    )
                )
            }
        }
        self.counts = counts
        self.counters = counters
        self.timers = Self.methods.map { CoreMetrics.Timer(label: Name.duration, dimensions: [("method", $0)]) }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        self.startedAt = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Counts one request of `method` (nil: the line named no known method) answered with
    /// `reply`, that took from `start` until now.
    func record(method: Method?, reply: PendingReply, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let methodIndex = method.flatMap { Self.knownMethods.firstIndex(of: $0) } ?? Self.knownMethods.count
        let status = Self.status(of: reply)
        let statusIndex = Self.statuses.firstIndex(of: status) ?? 0
        let index = methodIndex * Self.statuses.count + statusIndex
        self.counts[index].value.add(1, ordering: .relaxed)
        self.counters[index].increment()
        self.timers[methodIndex].recordNanoseconds(elapsed.nanoseconds)
    }

    /// A connection was admitted.
    func connectionOpened() { self.connections.add(1, ordering: .relaxed) }

    /// An admitted connection ended.
    func connectionClosed() { self.connections.subtract(1, ordering: .relaxed) }

    /// The open connections.
    public var openConnections: Int { self.connections.load(ordering: .relaxed) }

    /// Seconds since the metrics started.
    public var uptimeSeconds: Double {
        let (seconds, attoseconds) = (ContinuousClock.now - self.started).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The requests counted so far, by method and status; only the pairs seen.
    public var requestCounts: [(method: String, status: Int, count: Int)] {
        var result: [(method: String, status: Int, count: Int)] = []
        for (methodIndex, method) in Self.methods.enumerated() {
            for (statusIndex, status) in Self.statuses.enumerated() {
                let count = self.counts[methodIndex * Self.statuses.count + statusIndex].value.load(ordering: .relaxed)
                if count > 0 { result.append((method, status.rawValue, count)) }
            }
        }
        return result
    }

    /// The status a reply carries: the three digits after `{"statusCode":`, which every
    /// response starts with (a reply that waits for durability may still turn into a 503).
    static func status(of reply: PendingReply) -> Status {
        let bytes: [UInt8]
        switch reply {
        case .ready(let ready): bytes = ready
        case .durable(let body, _, _, _, _): bytes = body
        }
        let start = 14
        guard bytes.count >= start + 3 else { return .internalServerError }
        var code = 0
        for offset in 0..<3 {
            let digit = Int(bytes[start + offset]) - Int(UInt8(ascii: "0"))
            guard (0...9).contains(digit) else { return .internalServerError }
            code = code * 10 + digit
        }
        return Status(rawValue: code) ?? .internalServerError
    }
}
