import Synchronization

/// The key ring in force, replaceable while the daemon runs (SIGHUP, PROTOCOL.md section 10):
/// a replacement applies to the next request of every connection.
public final class LiveKeys: Sendable {
    private let ring: Mutex<KeyRing>
    private let counter = Atomic<UInt64>(0)

    /// Keys starting as `ring`.
    public init(_ ring: KeyRing) {
        self.ring = Mutex(ring)
    }

    /// The ring in force.
    public var current: KeyRing { self.ring.withLock { $0 } }

    /// Bumped by every ``replace(with:)``, so that a connection's cached key lookup can tell it is stale.
    public var generation: UInt64 { self.counter.load(ordering: .acquiring) }

    /// Puts `ring` in force for the next request of every connection.
    public func replace(with ring: KeyRing) {
        self.ring.withLock { $0 = ring }
        self.counter.add(1, ordering: .releasing)
    }
}
