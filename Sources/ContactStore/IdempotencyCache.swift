public import ContactCore
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

    /// A key's UTF-8 bytes, compared and hashed as bytes (not by Unicode canonical equivalence),
    /// followed in the same allocation by the remembered response when the key is stored.
    private struct ByteKey: Hashable, Sendable {
        /// The key's bytes, then the response's.
        let storage: [UInt8]
        /// How many of the first bytes are the key's (1 to 128).
        let keyCount: Int

        /// A key to look up.
        init(_ key: String) {
            self.storage = Array(key.utf8)
            self.keyCount = self.storage.count
        }

        /// A key to store, with its response, in one array of exactly their size.
        init(_ key: String, response: [UInt8]) {
            let keyCount = key.utf8.count
            self.storage = [UInt8](unsafeUninitializedCapacity: keyCount + response.count) { buffer, initialized in
                var index = buffer.initialize(from: key.utf8).1
                for byte in response {
                    buffer[index] = byte
                    index += 1
                }
                initialized = index
            }
            self.keyCount = keyCount
        }

        var key: String { String(decoding: self.storage[..<self.keyCount], as: UTF8.self) }
        var response: [UInt8] { Array(self.storage[self.keyCount...]) }
        var responseCount: Int { self.storage.count - self.keyCount }

        static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
            lhs.keyCount == rhs.keyCount && lhs.storage[..<lhs.keyCount].elementsEqual(rhs.storage[..<rhs.keyCount])
        }

        func hash(into hasher: inout Hasher) {
            self.storage.withUnsafeBytes {
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[..<self.keyCount]))
            }
        }
    }

    /// What one key keeps besides its bytes and response.
    private struct Stored: Sendable {
        var fingerprint: Fingerprint
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
        let lookup = ByteKey(key)
        guard let index = self.entries.index(forKey: lookup) else { return nil }
        return self.entry(self.entries[index])
    }

    /// The entry for `key` as a request arriving at `now` sees it: nil when it is older than
    /// ``Limits/maxAgeMilliseconds`` (even before eviction forgets it). Forgets expired keys.
    public mutating func lookup(_ key: String, now: Timestamp) -> Entry? {
        self.evict(now: now)
        guard let index = self.entries.index(forKey: ByteKey(key)),
            !self.isExpired(self.entries[index].value.at, now: now)
        else { return nil }
        return self.entry(self.entries[index])
    }

    /// Remembers `record` (made durable by journal record `sequence`), then forgets the oldest keys
    /// beyond the bounds. Remembering the same record again (a new sequence) keeps its place in
    /// the order; a different record for a remembered key replaces it as the newest.
    public mutating func remember(_ record: IdempotencyRecord, sequence: UInt64) {
        let stored = Stored(fingerprint: record.fingerprint, at: record.at, sequence: sequence)
        if let index = self.entries.index(forKey: ByteKey(record.key)) {
            let (key, previous) = self.entries[index]
            if previous.fingerprint == record.fingerprint, previous.at == record.at,
                key.storage[key.keyCount...].elementsEqual(record.response)
            {
                // The same record again (its journal sequence): keep its place.
                self.entries.values[index] = stored
                self.evict(now: record.at)
                return
            }
            // A new request reusing an expired key that was not forgotten yet: it starts anew.
            self.entries.remove(at: index)
            if let position = self.order.firstIndex(of: key) { self.order.remove(at: position) }
            self.storedBytes -= key.storage.count
        }
        let key = ByteKey(record.key, response: record.response)
        self.entries[key] = stored
        self.order.append(key)
        self.storedBytes += key.storage.count
        self.evict(now: record.at)
    }

    /// Forgets `key`: the write that remembered it was taken back.
    public mutating func forget(_ key: String) {
        let lookup = ByteKey(key)
        guard let index = self.entries.index(forKey: lookup) else { return }
        let stored = self.entries.keys[index]
        self.entries.remove(at: index)
        self.storedBytes -= stored.storage.count
        if self.order.last == lookup {
            self.order.removeLast()
        } else if let position = self.order.firstIndex(of: lookup) {
            self.order.remove(at: position)
        }
    }

    /// Every remembered record, oldest first.
    public var records: [IdempotencyRecord] {
        self.order.compactMap { key in self.entries.index(forKey: key).map { self.entry(self.entries[$0]).record } }
    }

    private func entry(_ element: (key: ByteKey, value: Stored)) -> Entry {
        let (key, stored) = element
        return Entry(
            record: IdempotencyRecord(
                key: key.key,
                fingerprint: stored.fingerprint,
                response: key.response,
                at: stored.at
            ),
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
            self.storedBytes -= oldest.storage.count
        }
    }
}
