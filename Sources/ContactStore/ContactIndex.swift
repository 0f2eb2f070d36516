import ContactCore

/// A project's contacts, ordered by external id (bytewise), in pages of a few hundred.
///
/// Lookups and inserts are O(log n) comparisons plus a move within one page; copying the index
/// is cheap (pages are copy-on-write), which lets a snapshot take a consistent copy while
/// writes go on.
public struct ContactIndex: Sendable {
    /// The most contacts in one page before it splits.
    static let pageCapacity = 512

    private var pages: [[Contact]] = []

    /// The number of contacts.
    public private(set) var count = 0

    /// An empty index.
    public init() {}

    /// The contact whose external id is `externalId`.
    public subscript(externalId: String) -> Contact? {
        let (page, slot, found) = self.locate(externalId)
        return found ? self.pages[page][slot] : nil
    }

    /// Inserts `contact`, or replaces the contact with the same external id.
    public mutating func put(_ contact: Contact) {
        if self.pages.isEmpty {
            self.pages.append([contact])
            self.count = 1
            return
        }
        var (page, slot, found) = self.locate(contact.externalId)
        if found {
            self.pages[page][slot] = contact
            return
        }
        if page == self.pages.count {
            page -= 1
            slot = self.pages[page].count
        }
        self.pages[page].insert(contact, at: slot)
        self.count += 1
        if self.pages[page].count > Self.pageCapacity {
            let upper = Array(self.pages[page][(Self.pageCapacity / 2)...])
            self.pages[page].removeSubrange((Self.pageCapacity / 2)...)
            self.pages.insert(upper, at: page + 1)
        }
    }

    /// Removes and returns the contact whose external id is `externalId`.
    @discardableResult
    public mutating func remove(_ externalId: String) -> Contact? {
        let (page, slot, found) = self.locate(externalId)
        guard found else { return nil }
        let removed = self.pages[page].remove(at: slot)
        self.count -= 1
        if self.pages[page].isEmpty { self.pages.remove(at: page) }
        return removed
    }

    /// Up to `limit` contacts that sort after `after` (from the first when nil), and whether any
    /// contact sorts after the last one returned.
    public func page(after: String?, limit: Int) -> (contacts: [Contact], hasMore: Bool) {
        var page = 0
        var slot = 0
        if let after {
            let location = self.locate(after)
            page = location.page
            slot = location.found ? location.slot + 1 : location.slot
        }
        var result: [Contact] = []
        result.reserveCapacity(min(limit, self.count))
        while page < self.pages.count {
            if slot >= self.pages[page].count {
                page += 1
                slot = 0
                continue
            }
            if result.count == limit { return (result, true) }
            result.append(self.pages[page][slot])
            slot += 1
        }
        return (result, false)
    }

    /// Calls `body` with every contact in order.
    public func forEach(_ body: (Contact) throws -> Void) rethrows {
        for page in self.pages {
            for contact in page { try body(contact) }
        }
    }

    /// The page and slot where `externalId` is or would be inserted.
    private func locate(_ externalId: String) -> (page: Int, slot: Int, found: Bool) {
        // First page whose last contact does not sort before `externalId`.
        var low = 0
        var high = self.pages.count
        while low < high {
            let middle = (low + high) / 2
            if ExternalID.precedes(self.pages[middle][self.pages[middle].count - 1].externalId, externalId) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        guard low < self.pages.count else { return (low, 0, false) }
        let contacts = self.pages[low]
        var first = 0
        var last = contacts.count
        while first < last {
            let middle = (first + last) / 2
            if ExternalID.precedes(contacts[middle].externalId, externalId) {
                first = middle + 1
            } else {
                last = middle
            }
        }
        let found = first < contacts.count && ExternalID.equal(contacts[first].externalId, externalId)
        return (low, first, found)
    }
}
