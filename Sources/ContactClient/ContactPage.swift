/// One page of `contacts.list`, ordered by external id (bytewise).
public struct ContactPage: Sendable, Equatable {
    /// The contacts of the page.
    public var contacts: [Contact]
    /// The cursor of the next page, or nil when no contact sorts after this page's last one.
    public var nextCursor: String?

    /// A page of `contacts` followed by `nextCursor`.
    public init(contacts: [Contact], nextCursor: String?) {
        self.contacts = contacts
        self.nextCursor = nextCursor
    }
}
