import ContactdTesting
import Synchronization

/// What the writers of a restart test share: whether the restart is done and how many writes
/// were acknowledged.
final class RestartProgress: Sendable {
    /// True once the daemon runs again.
    let restarted = Atomic<Bool>(false)
    /// Writes acknowledged so far.
    let acknowledged = Atomic<Int>(0)
}
