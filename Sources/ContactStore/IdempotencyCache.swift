import ContactCore
import DequeModule

/// A project's remembered idempotency keys (PROTOCOL.md section 11): at least the last
/// `minimumCount` keys and every key younger than `minimumAge`.
public struct IdempotencyCache: Sendable {
    /// How many keys are always kept.
    public static let minimumCount = 100_000
    /// How long every key is kept, in milliseconds.
    public static let minimumAgeMilliseconds: Int64 = 24 * 3600 * 1000

    /// A remembered record and the journal position that makes it durable.
    public struct Entry: Sendable {
        /// The record.
        public var record: IdempotencyRecord
        /// The journal sequence number of the record that holds it.
        public var sequence: UInt64
    }

    private var entries: [String: Entry] = [:]
    private var order: Deque<String> = []

    /// No keys.
    public init() {}

    /// The number of remembered keys.
    public var count: Int { self.entries.count }

    /// The entry for `key`.
    public subscript(key: String) -> Entry? {
        self.entries[key]
    }

    /// Remembers `record` (made durable by journal record `sequence`), then forgets keys beyond the bounds.
    public mutating func remember(_ record: IdempotencyRecord, sequence: UInt64) {
        if self.entries.updateValue(Entry(record: record, sequence: sequence), forKey: record.key) == nil {
            self.order.append(record.key)
        }
        self.evict(now: record.at)
    }

    /// Forgets `key`: the write that remembered it was taken back.
    public mutating func forget(_ key: String) {
        guard self.entries.removeValue(forKey: key) != nil else { return }
        if self.order.last == key {
            self.order.removeLast()
        } else if let index = self.order.firstIndex(of: key) {
            self.order.remove(at: index)
        }
    }

    /// Every remembered record, oldest first.
    public var records: [IdempotencyRecord] {
        self.order.compactMap { self.entries[$0]?.record }
    }

    private mutating func evict(now: Timestamp) {
        while self.order.count > Self.minimumCount, let oldest = self.order.first {
            if let entry = self.entries[oldest],
                now.milliseconds - entry.record.at.milliseconds < Self.minimumAgeMilliseconds
            {
                return
            }
            self.order.removeFirst()
            self.entries[oldest] = nil
        }
    }
}
