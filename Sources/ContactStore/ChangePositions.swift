/// Where in one request's list of changes each external id it changed is: a small open-addressing
/// table over a cheap hash of the id's bytes. A request changes at most a batch of contacts, so
/// the seeded hashing and resizing of a `Dictionary` cost more than the lookups they serve.
struct ChangePositions {
    /// Per slot: 0 when empty, else 1 + the index into ``ids`` and ``positions``; no slots until
    /// the first id is recorded.
    private var slots: [Int32] = []
    private var capacity: Int
    private var ids: [String] = []
    private var positions: [Int] = []

    /// An empty table with room for `count` ids before it grows.
    init(capacity count: Int = 8) {
        self.capacity = count
    }

    /// The position recorded for `id`, if any.
    subscript(id: String) -> Int? {
        self.find(id).entry.map { self.positions[$0] }
    }

    /// The position recorded for `id`; when there is none, records `position` for it and
    /// returns nil.
    mutating func position(of id: String, orRecord position: Int) -> Int? {
        if let entry = self.find(id).entry { return self.positions[entry] }
        self.set(position, for: id)
        return nil
    }

    /// Records `position` for `id`, replacing the one it had.
    mutating func set(_ position: Int, for id: String) {
        if self.slots.isEmpty {
            var size = 16
            while size < 2 * self.capacity { size *= 2 }
            self.slots = Array(repeating: 0, count: size)
            self.ids.reserveCapacity(self.capacity)
            self.positions.reserveCapacity(self.capacity)
        }
        let (slot, entry) = self.find(id)
        if let entry {
            self.positions[entry] = position
            return
        }
        self.ids.append(id)
        self.positions.append(position)
        self.slots[slot] = Int32(self.ids.count)
        if 2 * self.ids.count > self.slots.count { self.grow() }
    }

    /// The slot that holds `id`, or the empty slot where it would go, and its entry when held.
    private func find(_ id: String) -> (slot: Int, entry: Int?) {
        guard !self.slots.isEmpty else { return (0, nil) }
        let mask = self.slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(id)) & mask
        while true {
            let held = Int(self.slots[slot])
            if held == 0 { return (slot, nil) }
            if self.ids[held - 1] == id { return (slot, held - 1) }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        self.slots = Array(repeating: 0, count: 2 * self.slots.count)
        let mask = self.slots.count - 1
        for (entry, id) in self.ids.enumerated() {
            var slot = Int(truncatingIfNeeded: Self.hash(id)) & mask
            while self.slots[slot] != 0 { slot = (slot + 1) & mask }
            self.slots[slot] = Int32(entry + 1)
        }
    }

    /// FNV-1a of the id's bytes, its high bits folded into the low ones the mask keeps. Not
    /// seeded: a client that sends colliding ids only slows its own request, which holds at
    /// most a batch of them.
    private static func hash(_ id: String) -> UInt64 {
        let hash = FNV1a.hash(id)
        return hash ^ (hash >> 29)
    }
}
