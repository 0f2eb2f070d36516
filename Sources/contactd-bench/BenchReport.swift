import Histogram

/// The whole run's numbers, merged from every connection, printed as text or as one JSON line.
struct BenchReport: Encodable {
    struct Latency: Encodable {
        var p50: UInt64
        var p90: UInt64
        var p99: UInt64
        var p999: UInt64
        var max: UInt64
        var mean: Double

        init(_ histogram: Histogram<UInt64>) {
            self.p50 = histogram.valueAtPercentile(50)
            self.p90 = histogram.valueAtPercentile(90)
            self.p99 = histogram.valueAtPercentile(99)
            self.p999 = histogram.valueAtPercentile(99.9)
            self.max = histogram.max
            self.mean = histogram.totalCount > 0 ? histogram.mean : 0
        }
    }

    /// The read side of a mixed run (`--reads`).
    struct Reads: Encodable {
        /// Percent of requests that were read batches, and ids per batch.
        var percent: Int
        var batch: Int
        /// Read batches answered and ids read inside the window, and their rates.
        var requests: Int
        var contacts: Int
        var requestsPerSecond: Double
        var contactsPerSecond: Double
        /// Read batch latency in microseconds, from write to the last reply byte.
        var latencyMicros: Latency
        /// Everything read, warm-up and drain included, and how many of those ids were missing.
        var totalContacts: Int
        var misses: Int
    }

    /// Throughput over time (`--interval`): the window cut into slices of `seconds`.
    struct Intervals: Encodable {
        var seconds: Double
        /// Write contacts per second in each slice (the last one may be shorter).
        var contactsPerSecond: [Double]
        /// The slowest write batch answered in each slice, µs.
        var maxLatencyMicros: [UInt64]
    }

    var target: String
    var mode: String
    var mix: String
    var connections: Int
    var pipeline: Int
    var batch: Int
    var threads: Int
    var idSpace: Int
    /// Length of the measurement window in seconds.
    var seconds: Double
    /// Write requests (batches) and contacts answered inside the window, and their rates.
    var requests: Int
    var contacts: Int
    var requestsPerSecond: Double
    var contactsPerSecond: Double
    /// Write batch latency in microseconds.
    var latencyMicros: Latency
    /// Reads, in a mixed run; nil otherwise.
    var reads: Reads?
    /// Throughput over time, with `--interval`; nil otherwise.
    var intervals: Intervals?
    /// Contacts inserted by `--preload` before the run (not counted anywhere else).
    var preloaded: Int?
    /// Non-200 replies plus failed entries plus requests never answered.
    var errors: Int
    var rejected: Int
    var failedEntries: Int
    var lost: Int
    /// Every write answered, warm-up and drain included (what the server applied).
    var totalRequests: Int
    var totalContacts: Int
    /// Distinct ids sent, when tracked.
    var idsTouched: Int?
    var failures: [String]
    /// CPU seconds the load generator itself used (user + system), whole run.
    var benchCPUSeconds: Double = 0

    init(
        target: String,
        mode: String,
        mix: Mix,
        plans: [ConnectionPlan],
        threads: Int,
        idSpace: Int,
        reports: [ConnectionReport],
        timing: RunTiming
    ) {
        var latency = Histogram<UInt64>(
            lowestDiscernibleValue: 1,
            highestTrackableValue: ConnectionReport.highestLatency
        )
        var readLatency = Histogram<UInt64>(
            lowestDiscernibleValue: 1,
            highestTrackableValue: ConnectionReport.highestLatency
        )
        var reads = (window: 0, windowContacts: 0, contacts: 0, misses: 0)
        var sliceContacts: [Int] = []
        var sliceMax: [UInt64] = []
        var touched = IDBitset(space: 0)
        var lastReply = timing.start
        self.requests = 0
        self.contacts = 0
        self.rejected = 0
        self.failedEntries = 0
        self.lost = 0
        self.totalRequests = 0
        self.totalContacts = 0
        self.failures = []
        for report in reports {
            latency.add(report.latency)
            readLatency.add(report.readLatency)
            for (slice, contacts) in report.intervalContacts.enumerated() {
                while sliceContacts.count <= slice {
                    sliceContacts.append(0)
                    sliceMax.append(0)
                }
                sliceContacts[slice] += contacts
                sliceMax[slice] = Swift.max(sliceMax[slice], report.intervalMaxLatency[slice])
            }
            reads.window += report.windowReads
            reads.windowContacts += report.windowReadContacts
            reads.contacts += report.readContacts
            reads.misses += report.readMisses
            touched.formUnion(report.touched)
            lastReply = Swift.max(lastReply, report.lastReplyAt)
            self.requests += report.windowRequests
            self.contacts += report.windowContacts
            self.rejected += report.rejected
            self.failedEntries += report.failedEntries
            self.lost += report.lost
            self.totalRequests += report.requests
            self.totalContacts += report.contacts
            if let failure = report.failure { self.failures.append(failure) }
        }
        self.target = target
        self.mode = mode
        self.mix = mix.rawValue
        self.connections = plans.count
        self.pipeline = plans.first?.pipeline ?? 0
        self.batch = plans.first?.batch ?? 0
        self.threads = threads
        self.idSpace = idSpace
        let end = timing.windowEnd == .max ? lastReply : timing.windowEnd
        self.seconds = Double(end &- Swift.min(timing.windowStart, end)) / 1e9
        self.requestsPerSecond = self.seconds > 0 ? Double(self.requests) / self.seconds : 0
        self.contactsPerSecond = self.seconds > 0 ? Double(self.contacts) / self.seconds : 0
        self.latencyMicros = Latency(latency)
        if let plan = plans.first, plan.intervalNanoseconds > 0 {
            let slice = Double(plan.intervalNanoseconds) / 1e9
            let slices = Swift.max(Int((self.seconds / slice).rounded(.up)), sliceContacts.count)
            while sliceContacts.count < slices {
                sliceContacts.append(0)
                sliceMax.append(0)
            }
            let window = self.seconds
            self.intervals = Intervals(
                seconds: slice,
                contactsPerSecond: sliceContacts.enumerated().map { index, contacts in
                    let length = Swift.min(slice, window - Double(index) * slice)
                    return length > 0 ? Double(contacts) / length : 0
                },
                maxLatencyMicros: sliceMax
            )
        }
        if let plan = plans.first, plan.readPercent > 0 {
            self.reads = Reads(
                percent: plan.readPercent,
                batch: plan.readBatch,
                requests: reads.window,
                contacts: reads.windowContacts,
                requestsPerSecond: self.seconds > 0 ? Double(reads.window) / self.seconds : 0,
                contactsPerSecond: self.seconds > 0 ? Double(reads.windowContacts) / self.seconds : 0,
                latencyMicros: Latency(readLatency),
                totalContacts: reads.contacts,
                misses: reads.misses
            )
        }
        self.errors = self.rejected + self.failedEntries + self.lost
        self.idsTouched = touched.isTracking ? touched.count : nil
    }

    /// A few lines a person reads.
    var text: String {
        func rate(_ value: Double) -> String { String(Int(value.rounded())) }
        var lines = [
            "target: \(self.target), \(self.mode), mix \(self.mix), \(self.connections) connection(s) x pipeline "
                + "\(self.pipeline), batch \(self.batch), id space \(self.idSpace), \(self.threads) thread(s)",
            "window: \(Self.threeDecimals(self.seconds)) s, \(self.requests) requests, \(self.contacts) contacts",
            "throughput: \(rate(self.contactsPerSecond)) contacts/s, \(rate(self.requestsPerSecond)) requests/s",
            "batch latency (us): p50 \(self.latencyMicros.p50)  p90 \(self.latencyMicros.p90)  "
                + "p99 \(self.latencyMicros.p99)  p99.9 \(self.latencyMicros.p999)  max \(self.latencyMicros.max)",
            "errors: \(self.errors) (non-200 \(self.rejected), failed entries \(self.failedEntries), "
                + "unanswered \(self.lost))",
            "total answered: \(self.totalRequests) requests, \(self.totalContacts) contacts applied"
                + (self.idsTouched.map { ", \($0) distinct ids sent" } ?? ""),
            "load generator CPU: \(Self.threeDecimals(self.benchCPUSeconds)) s",
        ]
        if let reads = self.reads {
            lines.insert(
                contentsOf: [
                    "reads: \(reads.percent)% of requests, \(reads.batch) id(s) each: \(reads.requests) batches, "
                        + "\(rate(reads.contactsPerSecond)) contacts read/s, \(reads.misses) missing",
                    "read batch latency (us): p50 \(reads.latencyMicros.p50)  p90 \(reads.latencyMicros.p90)  "
                        + "p99 \(reads.latencyMicros.p99)  p99.9 \(reads.latencyMicros.p999)  max \(reads.latencyMicros.max)",
                ],
                at: 4
            )
        }
        if let preloaded = self.preloaded { lines.insert("preloaded: \(preloaded) contacts", at: 1) }
        if let intervals = self.intervals {
            lines.append(
                "contacts/s per \(intervals.seconds) s: " + intervals.contactsPerSecond.map(rate).joined(separator: " ")
            )
            lines.append(
                "slowest batch per \(intervals.seconds) s (us): "
                    + intervals.maxLatencyMicros.map { String($0) }.joined(separator: " ")
            )
        }
        for failure in Set(self.failures).sorted() { lines.append("connection failure: \(failure)") }
        return lines.joined(separator: "\n")
    }

    /// `value` with three decimals.
    static func threeDecimals(_ value: Double) -> String {
        let scaled = Int((value * 1000).rounded())
        let fraction = String(abs(scaled) % 1000)
        return "\(scaled / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
