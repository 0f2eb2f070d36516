/// What one shard snapshot wrote.
public struct SnapshotSummary: Sendable {
    /// The snapshot file.
    public var path: String
    /// The snapshot holds every journal record before this one.
    public var sequence: UInt64
    /// Projects written.
    public var projects: Int
    /// Contacts written.
    public var contacts: Int
    /// The file's size.
    public var bytes: Int
    /// From the journal rotation to the folder fsync.
    public var duration: Duration
}
