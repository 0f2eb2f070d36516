/// Where a shard's change sets go to become durable: the journal, or nothing for a store kept
/// in memory only.
public protocol ChangeLog: Sendable {
    /// Appends one request's changes and returns the sequence number that ``waitUntilDurable(_:)``
    /// takes. Called on the project's actor, so records of one project are appended in the order
    /// their requests ran. Throws when the log can no longer accept writes.
    func append(_ changes: ChangeSet) throws(StoreError) -> UInt64

    /// Returns once the record `sequence` (and every record before it) is durable, as the
    /// configured fsync mode defines it. Throws when it cannot be made durable.
    func waitUntilDurable(_ sequence: UInt64) async throws(StoreError)

    /// The failure that stopped the log, or nil while it accepts records. Once it is set, the
    /// memory of the shard's projects may hold changes that were never acknowledged, so the
    /// projects refuse reads as well as writes.
    var failure: StoreError? { get }
}

/// A change log that keeps nothing: for tests and for a store kept in memory only.
public struct MemoryChangeLog: ChangeLog {
    /// A log that forgets everything.
    public init() {}

    /// Returns 0.
    public func append(_ changes: ChangeSet) throws(StoreError) -> UInt64 { 0 }

    /// Returns at once.
    public func waitUntilDurable(_ sequence: UInt64) async throws(StoreError) {}

    /// Always nil: memory never fails.
    public var failure: StoreError? { nil }
}
