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
