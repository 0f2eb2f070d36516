/// What the `admin.*` methods need from a store beyond ``RequestStore`` (PROTOCOL.md section 12).
/// The operations are store-specific: a store that cannot do them does not conform, and the
/// daemon answers that the method is not available with it.
public protocol AdministeredStore: Sendable {
    /// Daemon-wide figures of the store: projects, contacts and each shard's files.
    func report() async -> StoreReport

    /// Writes a snapshot of every shard now and returns once they are durable.
    func snapshotNow() async throws(StoreError) -> [ShardSnapshot]

    /// Writes a consistent copy of the data into the folder `path`, which must not exist yet:
    /// opening the copy gives every change acknowledged before the call and none that was not
    /// acknowledged by its return. Writes go on meanwhile.
    func backup(to path: String) async throws(StoreError) -> BackupSummary
}

/// Daemon-wide figures of a store (`admin.stats`, the metrics).
public struct StoreReport: Sendable {
    /// Projects that hold contacts or keys, or were touched since start.
    public var projects: Int
    /// Contacts in all projects.
    public var contacts: Int
    /// One entry a shard, in shard order.
    public var shards: [ShardReport]
}

/// One shard's state.
public struct ShardReport: Sendable {
    /// The shard's index.
    public var index: Int
    /// Bytes of its open journal segment.
    public var journalBytes: Int
    /// True while its journal is degraded (writes get 503).
    public var degraded: Bool
    /// Its newest snapshot file, nil when it has none (or the store keeps no files).
    public var lastSnapshot: SnapshotFileInfo?
}

/// A snapshot file on disk.
public struct SnapshotFileInfo: Sendable {
    /// The file's path.
    public var path: String
    /// Its size in bytes.
    public var bytes: Int
    /// When it was written (its modification time), in seconds since 1970.
    public var writtenAt: Double
}

/// What `admin.snapshot` did for one shard.
public struct ShardSnapshot: Sendable {
    /// The shard's index.
    public var shard: Int
    /// True when a new snapshot was written; false when the newest one already held everything.
    public var written: Bool
    /// The shard's newest snapshot now.
    public var file: SnapshotFileInfo?
}

/// What `admin.backup` wrote.
public struct BackupSummary: Sendable {
    /// The backup folder.
    public var path: String
    /// Files in it.
    public var files: Int
    /// Bytes of the files that are hard links to the data folder's (immutable) files.
    public var linkedBytes: Int
    /// Bytes copied.
    public var copiedBytes: Int
}
