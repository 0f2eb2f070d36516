/// What an update needs to know besides its operators.
public struct UpdateContext: Sendable {
    /// True when the contact is being inserted by this entry (`$setOnInsert` applies).
    public var isInsert: Bool
    /// The contact's external id: `profile.id` must stay equal to it.
    public var externalId: String
    /// The request's instant, written by `$currentDate`.
    public var now: Timestamp
    /// The largest allowed compact JSON size of the resulting profile, in bytes.
    public var maxProfileBytes: Int

    /// A context for one entry.
    public init(isInsert: Bool, externalId: String, now: Timestamp, maxProfileBytes: Int = 65_536) {
        self.isInsert = isInsert
        self.externalId = externalId
        self.now = now
        self.maxProfileBytes = maxProfileBytes
    }
}
