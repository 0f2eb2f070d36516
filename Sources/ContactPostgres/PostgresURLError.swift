/// A `--store` URL that cannot be used, and why.
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A sentence saying what is wrong.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
