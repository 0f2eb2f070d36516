import DequeModule
import Synchronization

/// Lets one task at a time through, in arrival order, without blocking a thread: one snapshot
/// per shard at a time.
final class SnapshotGate: Sendable {
    private let state = Mutex<(busy: Bool, waiters: Deque<CheckedContinuation<Void, Never>>)>((false, []))

    /// Waits until the gate is free and takes it.
    func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = self.state.withLock { state -> Bool in
                if !state.busy {
                    state.busy = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    /// Hands the gate to the next waiter, or frees it.
    func leave() {
        let next = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let next = state.waiters.popFirst() { return next }
            state.busy = false
            return nil
        }
        next?.resume()
    }
}
