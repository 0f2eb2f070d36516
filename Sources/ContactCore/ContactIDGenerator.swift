import Synchronization

/// Hands out unique ``ContactID``s: the time in seconds, 5 random bytes chosen once, and a
/// counter that starts at a random value, as MongoDB's ObjectId does.
public final class ContactIDGenerator: Sendable {
    private let state: Mutex<(random: UInt64, counter: UInt32)>

    /// A generator with fresh random bytes.
    public init() {
        var generator = SystemRandomNumberGenerator()
        let random = generator.next() & 0xFF_FFFF_FFFF
        let counter = UInt32(truncatingIfNeeded: generator.next()) & 0xFF_FFFF
        self.state = Mutex((random, counter))
    }

    /// The next id, stamped with `now`.
    public func next(now: Timestamp) -> ContactID {
        let (random, counter) = self.state.withLock { state in
            state.counter = (state.counter &+ 1) & 0xFF_FFFF
            return (state.random, state.counter)
        }
        let seconds = UInt64(UInt32(truncatingIfNeeded: max(0, now.milliseconds / 1000)))
        let high = seconds << 32 | (random >> 8)
        let low = UInt32(truncatingIfNeeded: random & 0xFF) << 24 | counter
        return ContactID(high: high, low: low)
    }
}
