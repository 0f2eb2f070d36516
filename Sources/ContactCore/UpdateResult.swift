/// The result of a successful update.
public struct UpdateResult: Sendable {
    /// The new profile.
    public var profile: JSONObject
    /// Its compact JSON text (at most `maxProfileBytes` long).
    public var serialized: [UInt8]

    /// A result holding `profile` and its compact JSON text `serialized`.
    public init(profile: JSONObject, serialized: [UInt8]) {
        self.profile = profile
        self.serialized = serialized
    }
}
