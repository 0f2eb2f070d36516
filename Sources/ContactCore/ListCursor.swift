/// The position after a `contacts.list` page: the last external id returned.
///
/// Encoded as `"c1."` followed by the id's UTF-8 bytes in lowercase hex, so that it names a
/// position, not a snapshot, and stays valid across restarts and writes.
public struct ListCursor: Sendable, Equatable {
    /// The external id the next page starts after.
    public var after: String

    /// A cursor positioned after `after`.
    public init(after: String) {
        self.after = after
    }

    /// Decodes a cursor this server issued; nil for anything else.
    public init?(encoded: String) {
        let utf8 = encoded.utf8
        guard utf8.count > 3, utf8.starts(with: "c1.".utf8),
            let bytes = Hex.decode(utf8.dropFirst(3), lowercaseOnly: true),
            let id = String(validating: bytes, as: UTF8.self), ExternalID.problem(with: id) == nil
        else { return nil }
        self.after = id
    }

    /// The opaque text handed to clients.
    public var encoded: String {
        "c1." + Hex.encode(self.after.utf8)
    }
}
