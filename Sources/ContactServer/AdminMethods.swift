import ContactCore
public import ContactStore
public import Logging

/// Answers the `admin.*` methods (PROTOCOL.md section 12) for admin keys: daemon-wide figures,
/// an immediate snapshot, and backups into the backup folder.
public struct AdminMethods: Sendable {
    private let store: (any AdministeredStore)?
    private let metrics: RequestMetrics
    private let backupDirectory: String?
    private let logger: Logger

    /// Admin methods over `store` (nil when the store has no such operations), reporting
    /// `metrics`, writing backups into `backupDirectory` (nil: `admin.backup` is refused).
    public init(store: (any AdministeredStore)?, metrics: RequestMetrics, backupDirectory: String?, logger: Logger) {
        self.store = store
        self.metrics = metrics
        self.backupDirectory = backupDirectory
        self.logger = logger
    }

    /// The reply to `request`; the failures are whole-request refusals.
    func answer(_ request: AdminRequest, requestId: RequestID?) async throws(RequestFailure) -> [UInt8] {
        guard let store = self.store else {
            throw RequestFailure(
                .badRequest,
                "the admin methods are not available with this store",
                requestId: requestId
            )
        }
        var writer = ResponseWriter(status: .ok, success: true)
        switch request {
        case .stats:
            await self.writeStats(store: store, into: &writer)
        case .snapshot:
            let shards: [ShardSnapshot]
            do {
                shards = try await store.snapshotNow()
            } catch {
                self.logger.error("admin.snapshot failed: \(error.message)")
                throw RequestFailure(.serviceUnavailable, "the snapshot failed: \(error.message)", requestId: requestId)
            }
            self.logger.info("admin.snapshot: \(shards.filter(\.written).count) of \(shards.count) shards written")
            writer.field(
                "shards",
                .array(
                    shards.map { shard in
                        .object(
                            JSONObject([
                                "shard": .int(Int64(shard.shard)), "written": .bool(shard.written),
                                "bytes": shard.file.map { .int(Int64($0.bytes)) } ?? .null,
                                "at": shard.file.map { .double($0.writtenAt) } ?? .null,
                            ])
                        )
                    }
                )
            )
        case .backup(let name):
            let summary = try await self.backup(name: name, store: store, requestId: requestId)
            writer.field("path", .string(summary.path))
            writer.field("files", .int(Int64(summary.files)))
            writer.field("linkedBytes", .int(Int64(summary.linkedBytes)))
            writer.field("copiedBytes", .int(Int64(summary.copiedBytes)))
        }
        return writer.finished(requestId: requestId)
    }

    private func backup(
        name: String,
        store: any AdministeredStore,
        requestId: RequestID?
    ) async throws(RequestFailure) -> BackupSummary {
        guard let directory = self.backupDirectory else {
            throw RequestFailure(
                .badRequest,
                "admin.backup needs the daemon started with --backup-dir",
                requestId: requestId
            )
        }
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        guard !FileBytes.exists(path) else {
            throw RequestFailure(.conflict, "backup \(name) exists already in \(directory)", requestId: requestId)
        }
        do {
            let summary = try await store.backup(to: path)
            self.logger.info("admin.backup wrote \(path): \(summary.files) files")
            return summary
        } catch {
            if error.code == .alreadyRunning || FileBytes.exists(path) {
                let state = error.code == .alreadyRunning ? "is being written" : "exists already"
                throw RequestFailure(.conflict, "backup \(name) \(state) in \(directory)", requestId: requestId)
            }
            self.logger.error("admin.backup to \(path) failed: \(error.message)")
            throw RequestFailure(.serviceUnavailable, "the backup failed: \(error.message)", requestId: requestId)
        }
    }

    private func writeStats(store: any AdministeredStore, into writer: inout ResponseWriter) async {
        let report = await store.report()
        writer.field("uptimeSeconds", .double(self.metrics.uptimeSeconds))
        writer.field("connections", .int(Int64(self.metrics.openConnections)))
        writer.field("projects", .int(Int64(report.projects)))
        writer.field("contacts", .int(Int64(report.contacts)))
        var requests: [String: [JSONObject.Member]] = [:]
        for entry in self.metrics.requestCounts {
            requests[entry.method, default: []].append(
                .init(key: String(entry.status), value: .int(Int64(entry.count)))
            )
        }
        writer.field(
            "requests",
            .object(
                JSONObject(
                    uniqueMembers: requests.sorted { $0.key < $1.key }.map {
                        .init(key: $0.key, value: .object(JSONObject(uniqueMembers: $0.value)))
                    }
                )
            )
        )
        let fsync = FsyncTimings.shared.snapshot
        let seconds = { (nanoseconds: UInt64?) -> JSON in nanoseconds.map { .double(Double($0) / 1e9) } ?? .null }
        writer.field(
            "fsync",
            .object(
                JSONObject([
                    "count": .int(Int64(fsync.count)), "p50Seconds": seconds(fsync.quantile(0.5)),
                    "p99Seconds": seconds(fsync.quantile(0.99)),
                    "maxSeconds": seconds(fsync.count > 0 ? fsync.maxNanoseconds : nil),
                ])
            )
        )
        writer.field("degraded", .bool(report.shards.contains(where: \.degraded)))
        writer.field(
            "shards",
            .array(
                report.shards.map { shard in
                    .object(
                        JSONObject([
                            "shard": .int(Int64(shard.index)), "journalBytes": .int(Int64(shard.journalBytes)),
                            "degraded": .bool(shard.degraded),
                            "lastSnapshotAt": shard.lastSnapshot.map { .double($0.writtenAt) } ?? .null,
                            "lastSnapshotBytes": shard.lastSnapshot.map { .int(Int64($0.bytes)) } ?? .null,
                        ])
                    )
                }
            )
        )
    }
}
