public import ContactCore

/// A project's contacts, ordered by external id (bytewise), in pages of a few hundred.
///
/// Lookups and inserts are O(log n) comparisons plus a move within one page; copying the index
/// is cheap (pages are copy-on-write), which lets a snapshot take a consistent copy while
/// writes go on.
public struct ContactIndex: Sendable {
    /// The most contacts in one page before it splits.
    static let pageCapacity = 512

    /// Where an external id is, or would be inserted; valid until the index next changes.
    public struct Position: Sendable {
        fileprivate let page: Int
        fileprivate let slot: Int
        /// True when a contact with the id exists.
        public let found: Bool
    }

    /// One page: its contacts and, in two dense arrays, the first 16 bytes of their external ids
    /// as integers (``SortKey``), so that a binary search touches a few cache lines of 8-byte
    /// entries instead of one contact per step; the contact's own id settles longer equal prefixes.
    private struct Page: Sendable {
        var highs: [UInt64]
        var lows: [UInt64]
        var contacts: [Contact]

        init(_ contact: Contact, key: SortKey) {
            self.highs = [key.high]
            self.lows = [key.low]
            self.contacts = [contact]
        }

        init(highs: ArraySlice<UInt64>, lows: ArraySlice<UInt64>, contacts: ArraySlice<Contact>) {
            self.highs = Array(highs)
            self.lows = Array(lows)
            self.contacts = Array(contacts)
        }

        /// The key of the contact at `slot`.
        func key(at slot: Int) -> SortKey {
            SortKey(high: self.highs[slot], low: self.lows[slot], id: self.contacts[slot].externalId)
        }

        mutating func insert(_ contact: Contact, key: SortKey, at slot: Int) {
            self.highs.insert(key.high, at: slot)
            self.lows.insert(key.low, at: slot)
            self.contacts.insert(contact, at: slot)
        }

        @discardableResult
        mutating func remove(at slot: Int) -> Contact {
            self.highs.remove(at: slot)
            self.lows.remove(at: slot)
            return self.contacts.remove(at: slot)
        }

        mutating func removeSubrange(from slot: Int) {
            self.highs.removeSubrange(slot...)
            self.lows.removeSubrange(slot...)
            self.contacts.removeSubrange(slot...)
        }

        /// The first slot whose contact's id does not sort before `key`.
        func lowerBound(of key: SortKey) -> Int {
            self.highs.withUnsafeBufferPointer { highs in
                self.lows.withUnsafeBufferPointer { lows in
                    var first = 0
                    var last = highs.count
                    while first < last {
                        let middle = (first + last) / 2
                        let before: Bool
                        if highs[middle] != key.high {
                            before = highs[middle] < key.high
                        } else if lows[middle] != key.low {
                            before = lows[middle] < key.low
                        } else {
                            before = ExternalID.compare(self.contacts[middle].externalId, key.id) < 0
                        }
                        if before { first = middle + 1 } else { last = middle }
                    }
                    return first
                }
            }
        }
    }

    private var pages: [Page] = []
    /// The last external id of every page: the first level of the search, small enough to stay
    /// in cache.
    private var lastKeys: [SortKey] = []

    /// The number of contacts.
    public private(set) var count = 0

    /// An empty index.
    public init() {}

    /// The contact whose external id is `externalId`.
    public subscript(externalId: String) -> Contact? {
        self[self.position(of: externalId)]
    }

    /// The contact at `position`, nil when it names a gap.
    public subscript(position: Position) -> Contact? {
        position.found ? self.pages[position.page].contacts[position.slot] : nil
    }

    /// Inserts `contact`, or replaces the contact with the same external id.
    public mutating func put(_ contact: Contact) {
        self.put(contact, at: self.position(of: contact.externalId))
    }

    /// Stores `contact` at `position`, found by ``position(of:)`` for its external id with no
    /// change to the index since.
    public mutating func put(_ contact: Contact, at position: Position) {
        if position.found {
            self.pages[position.page].contacts[position.slot] = contact
            return
        }
        if self.pages.isEmpty {
            self.pages.append(Page(contact, key: SortKey(contact.externalId)))
            self.lastKeys.append(SortKey(contact.externalId))
            self.count = 1
            return
        }
        var page = position.page
        var slot = position.slot
        if page == self.pages.count {
            page -= 1
            slot = self.pages[page].contacts.count
        }
        let key = SortKey(contact.externalId)
        self.pages[page].insert(contact, key: key, at: slot)
        if slot == self.pages[page].contacts.count - 1 { self.lastKeys[page] = key }
        self.count += 1
        if self.pages[page].contacts.count > Self.pageCapacity {
            let half = Self.pageCapacity / 2
            let upper = Page(
                highs: self.pages[page].highs[half...],
                lows: self.pages[page].lows[half...],
                contacts: self.pages[page].contacts[half...]
            )
            self.pages[page].removeSubrange(from: half)
            self.pages.insert(upper, at: page + 1)
            self.lastKeys.insert(upper.key(at: upper.contacts.count - 1), at: page + 1)
            self.lastKeys[page] = self.pages[page].key(at: half - 1)
        }
    }

    /// Removes and returns the contact whose external id is `externalId`.
    @discardableResult
    public mutating func remove(_ externalId: String) -> Contact? {
        let position = self.position(of: externalId)
        guard position.found else { return nil }
        let removed = self.pages[position.page].remove(at: position.slot)
        self.count -= 1
        if self.pages[position.page].contacts.isEmpty {
            self.pages.remove(at: position.page)
            self.lastKeys.remove(at: position.page)
        } else if position.slot == self.pages[position.page].contacts.count {
            self.lastKeys[position.page] = self.pages[position.page].key(at: position.slot - 1)
        }
        return removed
    }

    /// Up to `limit` contacts that sort after `after` (from the first when nil), and whether any
    /// contact sorts after the last one returned.
    public func page(after: String?, limit: Int) -> (contacts: [Contact], hasMore: Bool) {
        var page = 0
        var slot = 0
        if let after {
            let location = self.position(of: after)
            page = location.page
            slot = location.found ? location.slot + 1 : location.slot
        }
        var result: [Contact] = []
        result.reserveCapacity(min(limit, self.count))
        while page < self.pages.count {
            if slot >= self.pages[page].contacts.count {
                page += 1
                slot = 0
                continue
            }
            if result.count == limit { return (result, true) }
            result.append(self.pages[page].contacts[slot])
            slot += 1
        }
        return (result, false)
    }

    /// Calls `body` with every contact in order.
    public func forEach(_ body: (Contact) throws -> Void) rethrows {
        for page in self.pages {
            for contact in page.contacts { try body(contact) }
        }
    }

    /// The page and slot where `externalId` is or would be inserted.
    public func position(of externalId: String) -> Position {
        let key = SortKey(externalId)
        let page = Self.lowerBound(of: key, in: self.lastKeys)
        guard page < self.pages.count else { return Position(page: page, slot: 0, found: false) }
        // Through the buffer: the page is borrowed in place, not copied (no retain of its arrays).
        return self.pages.withUnsafeBufferPointer { pages in
            let slot = pages[page].lowerBound(of: key)
            let found =
                slot < pages[page].contacts.count && pages[page].highs[slot] == key.high
                && pages[page].lows[slot] == key.low
                && ExternalID.compare(pages[page].contacts[slot].externalId, key.id) == 0
            return Position(page: page, slot: slot, found: found)
        }
    }

    /// The first index of `keys` (sorted bytewise) whose key does not sort before `key`.
    private static func lowerBound(of key: SortKey, in keys: [SortKey]) -> Int {
        keys.withUnsafeBufferPointer { keys in
            var first = 0
            var last = keys.count
            while first < last {
                let middle = (first + last) / 2
                if keys[middle].compare(key) < 0 {
                    first = middle + 1
                } else {
                    last = middle
                }
            }
            return first
        }
    }
}

/// An external id with its first 16 bytes as two big-endian integers, so that most comparisons
/// are two integer compares; ids that share those bytes fall back to comparing the strings.
private struct SortKey: Sendable {
    let high: UInt64
    let low: UInt64
    let id: String

    init(high: UInt64, low: UInt64, id: String) {
        self.high = high
        self.low = low
        self.id = id
    }

    init(_ id: String) {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var index = 0
        for byte in id.utf8 {
            if index < 8 {
                high |= UInt64(byte) << (56 - 8 * UInt64(index))
            } else if index < 16 {
                low |= UInt64(byte) << (56 - 8 * UInt64(index - 8))
            } else {
                break
            }
            index += 1
        }
        self.high = high
        self.low = low
        self.id = id
    }

    /// Negative, zero or positive as `self` sorts before, equal to or after `other`, bytewise.
    @inline(__always)
    func compare(_ other: SortKey) -> Int {
        if self.high != other.high { return self.high < other.high ? -1 : 1 }
        if self.low != other.low { return self.low < other.low ? -1 : 1 }
        return ExternalID.compare(self.id, other.id)
    }
}
