public import ContactCore

/// One effect of a write, as the journal records it: replaying changes in order rebuilds the
/// exact same contacts, byte for byte.
public enum Change: Sendable, Equatable {
    /// The contact as it is after the write (an insert or an update).
    case put(Contact)
    /// A contact that existed before the request, as it is after an update, and how its new
    /// profile text copies the text it had before the request: the journal then records only
    /// the bytes that are new (docs/STORAGE.md). Otherwise the same as ``put(_:)``.
    case update(Contact, ProfileCopies)
    /// The contact with this external id was deleted.
    case delete(externalId: String)
    /// An idempotency key and the response it answers with from now on.
    case remember(IdempotencyRecord)
}

/// All the changes one request made to one project: one journal record.
public struct ChangeSet: Sendable, Equatable {
    /// The project the request touched.
    public var project: String
    /// The changes, in the order they were made.
    public var changes: [Change]
    /// The copied runs that the ``Change/update(_:_:)`` changes' ``ProfileCopies`` point into.
    public var copiedRuns: [Int]

    /// A change set for `project`.
    public init(project: String, changes: [Change], copiedRuns: [Int] = []) {
        self.project = project
        self.changes = changes
        self.copiedRuns = copiedRuns
    }
}

/// A remembered idempotent request (PROTOCOL.md section 11).
public struct IdempotencyRecord: Sendable, Equatable {
    /// The client's key.
    public var key: String
    /// A digest of the request's method and fields.
    public var fingerprint: Fingerprint
    /// The response body (everything before `replayed` and `requestId`).
    public var response: [UInt8]
    /// When the request was applied.
    public var at: Timestamp

    /// A record of `key`.
    public init(key: String, fingerprint: Fingerprint, response: [UInt8], at: Timestamp) {
        self.key = key
        self.fingerprint = fingerprint
        self.response = response
        self.at = at
    }
}
