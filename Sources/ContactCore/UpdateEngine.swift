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

/// Why an entry's update failed; the profile is unchanged.
public struct UpdateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A sentence like MongoDB's, naming the path.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { self.message }
}

/// The result of a successful update.
public struct UpdateResult: Sendable {
    /// The new profile.
    public var profile: JSONObject
    /// Its compact JSON text (at most `maxProfileBytes` long).
    public var serialized: [UInt8]
}

/// Applies MongoDB-style update operators to a profile (PROTOCOL.md section 6).
public enum UpdateEngine {
    /// Applies `operators` (an entry's `profile` member: an object of update operators) to `profile`,
    /// all or nothing.
    public static func apply(
        _ operators: JSONObject,
        to profile: JSONObject,
        context: UpdateContext
    ) throws(UpdateError) -> UpdateResult {
        fatalError("not implemented yet")
    }
}
