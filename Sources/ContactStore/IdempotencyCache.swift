import ContactCore
import DequeModule

/// A project's remembered idempotency keys (PROTOCOL.md section 11): at most the last
/// ``Limits/maxKeys`` keys, none older than ``Limits/maxAgeMilliseconds``, within
/// ``Limits/maxBytes`` of remembered keys and responses; the oldest are forgotten first.
///
/// Keys compare by their UTF-8 bytes (`"café"` in NFC and NFD are two keys), and a remembered
/// response is held in an array of exactly its size.
public struct IdempotencyCache: Sendable {
    /// The bounds of what a project remembers.
    public struct Limits: Sendable, Equatable {
        /// The most keys remembered.
        public var maxKeys: Int
        /// The oldest a remembered key may be, in milliseconds; an older key never replays.
        public var maxAgeMilliseconds: Int64
        /// The most bytes of keys and responses remembered.
        public var maxBytes: Int

        /// Bounds with PROTOCOL.md's defaults: 100,000 keys, 24 hours, 64 MiB.
        public init(maxKeys: Int = 100_000, maxAgeMilliseconds: Int64 = 24 * 3600 * 1000, maxBytes: Int = 64 << 20) {
            self.maxKeys = maxKeys
            self.maxAgeMilliseconds = maxAgeMilliseconds
            self.maxBytes = maxBytes
        }

        /// PROTOCOL.md's bounds.
        public static let standard = Limits()
    }

    /// A remembered record and the journal position that makes it durable.
    public struct Entry: Sendable {
        /// The record.
        public var record: IdempotencyRecord
        /// The journal sequence number of the record that holds it.
        public var sequence: UInt64
    }

    /// A key compared and hashed by its UTF-8 bytes, not by Unicode canonical equivalence.
    private struct ByteKey: Hashable, Sendable {
        let text: String

        static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
            lhs.text.utf8.elementsEqual(rhs.text.utf8)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(self.text.utf8.count)
            for byte in self.text.utf8 { hasher.combine(byte) }
        }
    }

    /// What one key keeps: the record's parts without a second copy of the key.
    private struct Stored: Sendable {
        var fingerprint: Fingerprint
        var response: [UInt8]
        var at: Timestamp
        var sequence: UInt64
    }

    /// The bounds in force.
    public let limits: Limits
    private var entries: [ByteKey: Stored] = [:]
    private var order: Deque<ByteKey> = []
    private var storedBytes = 0

    /// No keys, with the given bounds (PROTOCOL.md's by default).
    public init(limits: Limits = .standard) {
        self.limits = limits
    }

    /// The number of remembered keys.
    public var count: Int { self.entries.count }

    /// The bytes of keys and responses remembered.
    public var bytes: Int { self.storedBytes }

    /// The entry for `key`, whatever its age (see ``lookup(_:now:)`` for answering a request).
    public subscript(key: String) -> Entry? {
        self.entries[ByteKey(text: key)].map { self.entry(key, $0) }
    }

    /// The entry for `key` as a request arriving at `now` sees it: nil when it is older than
    /// ``Limits/maxAgeMilliseconds`` (even before eviction forgets it). Forgets expired keys.
    public mutating func lookup(_ key: String, now: Timestamp) -> Entry? {
        self.evict(now: now)
        guard let stored = self.entries[ByteKey(text: key)], !self.isExpired(stored.at, now: now) else { return nil }
        return self.entry(key, stored)
    }

    /// Remembers `record` (made durable by journal record `sequence`), then forgets the oldest keys
    /// beyond the bounds. Remembering a key again (a new sequence) keeps its place in the order.
    public mutating func remember(_ record: IdempotencyRecord, sequence: UInt64) {
        let key = ByteKey(text: record.key)
        let stored = Stored(
            fingerprint: record.fingerprint,
            response: Self.compact(record.response),
            at: record.at,
            sequence: sequence
        )
        if let previous = self.entries.updateValue(stored, forKey: key) {
            self.storedBytes += stored.response.count - previous.response.count
        } else {
            self.order.append(key)
            self.storedBytes += record.key.utf8.count + stored.response.count
        }
        self.evict(now: record.at)
    }

    /// Every remembered record, oldest first.
    public var records: [IdempotencyRecord] {
        self.order.compactMap { key in self.entries[key].map { self.entry(key.text, $0).record } }
    }

    private func entry(_ key: String, _ stored: Stored) -> Entry {
        Entry(
            record: IdempotencyRecord(key: key, fingerprint: stored.fingerprint, response: stored.response, at: stored.at),
            sequence: stored.sequence
        )
    }

    private func isExpired(_ at: Timestamp, now: Timestamp) -> Bool {
        now.milliseconds - at.milliseconds > self.limits.maxAgeMilliseconds
    }

    /// Forgets the oldest keys while there are too many, they take too many bytes, or the oldest
    /// has expired.
    private mutating func evict(now: Timestamp) {
        while let oldest = self.order.first {
            guard let stored = self.entries[oldest] else {
                self.order.removeFirst()
                continue
            }
            let over = self.order.count > self.limits.maxKeys || self.storedBytes > self.limits.maxBytes
            guard over || self.isExpired(stored.at, now: now) else { return }
            self.order.removeFirst()
            self.entries[oldest] = nil
            self.storedBytes -= oldest.text.utf8.count + stored.response.count
        }
    }

    /// `bytes` in an array whose capacity is its count (a response built by appending may hold
    /// up to twice its size).
    private static func compact(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.capacity > bytes.count else { return bytes }
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, initialized in
            _ = buffer.initialize(from: bytes)
            initialized = bytes.count
        }
    }
}
