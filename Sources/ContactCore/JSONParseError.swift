/// Why a text is not acceptable JSON, and the byte offset where the problem starts.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The zero-based byte offset of the offending input.
    public var offset: Int
    /// What is wrong, in words a person can act on.
    public var reason: String

    /// An error at `offset` for `reason`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// `"<reason> at byte <offset>"`.
    public var description: String { "\(self.reason) at byte \(self.offset)" }
}
