public import ContactCore

/// A project's contacts, ordered by external id (bytewise), in pages of up to 128.
///
/// Lookups and inserts are O(log n) comparisons plus a move within one page; copying the index
/// is cheap (pages are copy-on-write), which lets a snapshot take a consistent copy while
/// writes go on.
public struct ContactIndex: Sendable {
    /// The most contacts in one page before it splits. 128 rather than 512: a lookup's binary
    /// search in a page touches fewer cache lines (A/B in docs/BENCHMARKS.md, 2026-12-04), for
    /// about 7 more bytes per contact.
    static let pageCapacity = 128

    /// Where an external id is, or would be inserted; valid until the index next changes.
    public struct Position: Sendable {
        fileprivate let page: Int
        fileprivate let slot: Int
        /// True when a contact with the id exists.
        public let found: Bool
    }

    /// One page: its contacts and, in one dense array, the first 16 bytes of their external ids
    /// as two integers each (``SortKey``'s high and low, side by side), so that a binary search
    /// step reads one 16-byte entry instead of a contact; the contact's own id settles longer
    /// equal prefixes.
    ///
    /// The page also keeps, inline (in the index's array of pages, which stays in cache), the
    /// prefix of every ``sampleStride``-th contact: a search narrows to one stretch of
    /// ``sampleStride`` entries from these alone, so it reads a few cache lines of the page's
    /// storage instead of one per halving.
    private struct Page: Sendable {
        /// Contacts between two samples.
        static let sampleStride = 16
        /// `high, low` of every contact, in the contacts' order.
        var prefixes: [UInt64]
        var contacts: [Contact]
        /// `high, low` of the contacts at slots 0, 16, 32, …, up to ``samples``' capacity.
        var samples: InlineArray<16, UInt64> = .init(repeating: 0)
        /// How many samples hold a contact's prefix.
        var sampleCount = 0
        /// The number of contacts, kept here so that a search does not read the arrays' headers.
        var count = 0

        init(_ contact: Contact, key: SortKey) {
            self.prefixes = [key.high, key.low]
            self.contacts = [contact]
            self.resample()
        }

        init(prefixes: ArraySlice<UInt64>, contacts: ArraySlice<Contact>) {
            self.prefixes = Array(prefixes)
            self.contacts = Array(contacts)
            self.resample()
        }

        /// Takes the samples and count again after the contacts changed.
        mutating func resample() {
            self.count = self.contacts.count
            let capacity = self.samples.count / 2
            self.sampleCount = min(capacity, (self.count + Self.sampleStride - 1) / Self.sampleStride)
            for sample in 0..<self.sampleCount {
                self.samples[2 * sample] = self.prefixes[2 * sample * Self.sampleStride]
                self.samples[2 * sample + 1] = self.prefixes[2 * sample * Self.sampleStride + 1]
            }
        }

        /// The key of the contact at `slot`.
        func key(at slot: Int) -> SortKey {
            SortKey(high: self.prefixes[2 * slot], low: self.prefixes[2 * slot + 1], id: self.contacts[slot].externalId)
        }

        mutating func insert(_ contact: Contact, key: SortKey, at slot: Int) {
            self.prefixes.insert(contentsOf: [key.high, key.low], at: 2 * slot)
            self.contacts.insert(contact, at: slot)
            self.resample()
        }

        @discardableResult
        mutating func remove(at slot: Int) -> Contact {
            self.prefixes.removeSubrange((2 * slot)..<(2 * slot + 2))
            let removed = self.contacts.remove(at: slot)
            self.resample()
            return removed
        }

        mutating func removeSubrange(from slot: Int) {
            self.prefixes.removeSubrange((2 * slot)...)
            self.contacts.removeSubrange(slot...)
            self.resample()
        }

        /// The first slot of the page at `page` whose contact's id does not sort before `key`,
        /// and whether that contact's id is `key`'s. Through the pointer the page's arrays are
        /// borrowed in place (a `Page` value would retain both).
        static func search(_ page: UnsafePointer<Page>, for key: SortKey) -> (slot: Int, found: Bool) {
            // The stretch the answer is in, from the samples: a sample whose prefix sorts before
            // the key's has the answer after it, one whose prefix sorts after has it at or before.
            var first = 0
            var last = page.pointee.count
            let samples = page.pointee.sampleCount
            for sample in 0..<samples {
                let high = page.pointee.samples[2 * sample]
                let low = page.pointee.samples[2 * sample + 1]
                if high < key.high || (high == key.high && low < key.low) {
                    first = sample * Self.sampleStride + 1
                } else if high != key.high || low != key.low {
                    last = sample * Self.sampleStride
                    break
                }
            }
            return page.pointee.prefixes.withUnsafeBufferPointer { prefixes in
                while first < last {
                    let middle = (first + last) / 2
                    let high = prefixes[2 * middle]
                    let low = prefixes[2 * middle + 1]
                    let before: Bool
                    if high != key.high {
                        before = high < key.high
                    } else if low != key.low {
                        before = low < key.low
                    } else {
                        before = ExternalID.compare(page.pointee.contacts[middle].externalId, key.id) < 0
                    }
                    if before { first = middle + 1 } else { last = middle }
                }
                let found =
                    first < prefixes.count / 2 && prefixes[2 * first] == key.high
                    && prefixes[2 * first + 1] == key.low
                    && ExternalID.compare(page.pointee.contacts[first].externalId, key.id) == 0
                return (first, found)
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
    public mutating func put(_ contact: consuming Contact, at position: Position) {
        if position.found {
            self.pages[position.page].contacts[position.slot] = contact
            return
        }
        if self.pages.isEmpty {
            let key = SortKey(contact.externalId)
            self.pages.append(Page(contact, key: key))
            self.lastKeys.append(key)
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
                prefixes: self.pages[page].prefixes[(2 * half)...],
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
        let (slot, found) = self.pages.withUnsafeBufferPointer { pages in
            Page.search(pages.baseAddress! + page, for: key)
        }
        return Position(page: page, slot: slot, found: found)
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
