/// Every contact of the project in external-id order, fetched lazily one `contacts.list` page at
/// a time (see ``ContactdClient/allContacts(pageSize:)``).
///
/// A contact that exists for the whole walk is returned exactly once, even while others write.
public struct ContactSequence: AsyncSequence, Sendable {
    /// A contact.
    public typealias Element = Contact
    /// The error every page request may throw.
    public typealias Failure = ContactClientError

    private let client: ContactdClient
    private let pageSize: Int

    init(client: ContactdClient, pageSize: Int) {
        self.client = client
        self.pageSize = Swift.max(1, Swift.min(pageSize, 1000))
    }

    /// An iterator starting at the first contact.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(client: self.client, pageSize: self.pageSize)
    }

    /// Fetches the next page when the current one is used up.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let client: ContactdClient
        private let pageSize: Int
        private var page: [Contact] = []
        private var position = 0
        private var cursor: String?
        private var finished = false

        init(client: ContactdClient, pageSize: Int) {
            self.client = client
            self.pageSize = pageSize
        }

        /// The next contact, or nil after the last one.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(ContactClientError) -> Contact? {
            while self.position == self.page.count {
                if self.finished { return nil }
                let page = try await self.client.list(limit: self.pageSize, cursor: self.cursor)
                self.page = page.contacts
                self.position = 0
                self.cursor = page.nextCursor
                self.finished = page.nextCursor == nil
            }
            defer { self.position += 1 }
            return self.page[self.position]
        }

        /// The next contact, or nil after the last one.
        public mutating func next() async throws(ContactClientError) -> Contact? {
            try await self.next(isolation: nil)
        }
    }
}
