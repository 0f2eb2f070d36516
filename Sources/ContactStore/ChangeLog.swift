/// Where a shard's change sets go to become durable: the journal, or nothing for a store kept
/// in memory only.
///
/// The numbers ``append(_:expectedLosses:)`` returns ("tickets") are never reused in one run,
/// even when records are lost after a failed write: a ticket is durable, pending, or lost for good.
public protocol ChangeLog: Sendable {
    /// Appends one request's changes and returns the ticket that ``waitUntilDurable(_:)`` takes.
    /// Called on the project's actor, so records of one project are appended in the order their
    /// requests ran. Throws while the log is degraded (``failure``), when the record is too
    /// large, and when `expectedLosses` is given and differs from ``losses`` (records the caller
    /// built on were lost in between).
    func append(_ changes: ChangeSet, expectedLosses: Int?) throws(StoreError) -> UInt64

    /// Returns once the record `ticket` (and every record before it) is durable, as the
    /// configured fsync mode defines it. Throws when it was lost or can never be made durable.
    func waitUntilDurable(_ ticket: UInt64) async throws(StoreError)

    /// Whether record `ticket` is durable, still pending, or lost.
    func status(of ticket: UInt64) -> RecordStatus

    /// How many times records were lost (a failed write or fsync that dropped pending records).
    /// A project that sees this change reverts its records that were lost.
    var losses: Int { get }

    /// Returns once the bytes appended but not yet written are below the log's bound (journal
    /// back-pressure); the server calls it before each write request.
    func waitForRoom() async

    /// Why the log is degraded — it refuses appends until a retry finds it working again — or nil.
    var failure: StoreError? { get }
}

/// What became of a journal record.
public enum RecordStatus: Sendable, Equatable {
    /// Durable as the fsync mode defines it.
    case durable
    /// Appended, not yet durable.
    case pending
    /// Dropped after a failed write or fsync: its request was answered 503.
    case lost
}

extension ChangeLog {
    /// Appends one request's changes without a loss check; see ``append(_:expectedLosses:)``.
    public func append(_ changes: ChangeSet) throws(StoreError) -> UInt64 {
        try self.append(changes, expectedLosses: nil)
    }

    /// Returns at once.
    public func waitForRoom() async {}
}

/// A change log that keeps nothing: for tests and for a store kept in memory only.
public struct MemoryChangeLog: ChangeLog {
    /// A log that forgets everything.
    public init() {}

    /// Returns 0.
    public func append(_ changes: ChangeSet, expectedLosses: Int?) throws(StoreError) -> UInt64 { 0 }

    /// Returns at once.
    public func waitUntilDurable(_ ticket: UInt64) async throws(StoreError) {}

    /// Always durable.
    public func status(of ticket: UInt64) -> RecordStatus { .durable }

    /// Always 0: memory never fails.
    public var losses: Int { 0 }

    /// Always nil: memory never fails.
    public var failure: StoreError? { nil }
}
