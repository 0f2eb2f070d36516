/// One entry of a batch that the server did not apply, with the reason (the response's `errors`).
public struct EntryFailure: Sendable, Equatable, CustomStringConvertible {
    /// The entry's position in the caller's array (for ``ContactdClient/bulkUpsert(_:)``, in the
    /// whole array, not in its batch).
    public var index: Int
    /// The entry's id, or `""` when it had none that was a string.
    public var id: String
    /// Why the entry failed, in the server's words.
    public var message: String

    /// A failure of the entry at `index` with `id`, for `message`.
    public init(index: Int, id: String, message: String) {
        self.index = index
        self.id = id
        self.message = message
    }

    /// `"#3 (\"123\"): Cannot apply $inc to a value of non-numeric type at 'n'"`.
    public var description: String { "#\(self.index) (\"\(self.id)\"): \(self.message)" }
}
