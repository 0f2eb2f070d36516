public import ContactStore
import CoreMetrics
public import Prometheus

/// The Prometheus side of the metrics (PROTOCOL.md section 12): bootstraps swift-metrics with a
/// Prometheus registry, and renders the text exposition format, setting the gauges that describe
/// the store (contacts, journal bytes, snapshots, degraded shards) at each scrape so that keeping
/// them costs nothing between scrapes.
public final class MetricsExporter: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let store: (any AdministeredStore)?
    private let metrics: RequestMetrics

    /// An exporter of `registry` (from ``bootstrap()``), describing `store` and `metrics`.
    public init(registry: PrometheusCollectorRegistry, store: (any AdministeredStore)?, metrics: RequestMetrics) {
        self.registry = registry
        self.store = store
        self.metrics = metrics
    }

    /// Makes a Prometheus registry the process's metrics backend; call once, before anything
    /// records a metric. Returns the registry for ``init(registry:store:metrics:)``.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let fine: [Duration] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.durationHistogramBuckets[RequestMetrics.Name.duration] = fine
        factory.durationHistogramBuckets[FsyncTimings.metricName] = fine
        MetricsSystem.bootstrap(factory)
        // Registered now, so the fsync histogram is exported (with zeros) before the first fsync.
        _ = FsyncTimings.shared
        return registry
    }

    /// The metrics in the text exposition format, gauges refreshed now.
    public func render() async -> [UInt8] {
        Gauge(label: "contactd_connections").record(self.metrics.openConnections)
        Gauge(label: "contactd_start_time_seconds").record(self.metrics.startedAt)
        if let store = self.store {
            let report = await store.report()
            Gauge(label: "contactd_projects").record(report.projects)
            Gauge(label: "contactd_contacts").record(report.contacts)
            for shard in report.shards {
                let labels = [("shard", String(shard.index))]
                Gauge(label: "contactd_journal_bytes", dimensions: labels).record(shard.journalBytes)
                Gauge(label: "contactd_shard_degraded", dimensions: labels).record(shard.degraded ? 1 : 0)
                if let snapshot = shard.lastSnapshot {
                    Gauge(label: "contactd_snapshot_last_success_timestamp_seconds", dimensions: labels)
                        .record(snapshot.writtenAt)
                    Gauge(label: "contactd_snapshot_bytes", dimensions: labels).record(snapshot.bytes)
                }
            }
        }
        return self.registry.emitToBuffer()
    }
}
