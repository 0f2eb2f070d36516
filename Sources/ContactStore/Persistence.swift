import Glibc
import Logging
import Synchronization

/// The data folder side of a ``ContactStore``: its journals, lock and snapshot bookkeeping.
final class Persistence: Sendable {
    let directory: String
    let journals: [Journal]
    let gates: [SnapshotGate]
    let snapshotInterval: Duration
    let journalLimitBytes: Int
    /// Where the snapshot loop reports failures.
    let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var lockFD: Int32
        var closed = false
        /// Per shard: the sequence of the newest snapshot (a snapshot at the same sequence
        /// would hold nothing new).
        var lastSnapshots: [UInt64]
    }

    init(
        directory: String,
        journals: [Journal],
        lastSnapshots: [UInt64],
        lockFD: Int32,
        snapshotInterval: Duration,
        journalLimitBytes: Int,
        logger: Logger
    ) {
        self.logger = logger
        self.directory = directory
        self.journals = journals
        self.gates = journals.map { _ in SnapshotGate() }
        self.snapshotInterval = snapshotInterval > .zero ? snapshotInterval : .seconds(60)
        self.journalLimitBytes = journalLimitBytes
        self.state = Mutex(State(lockFD: lockFD, lastSnapshots: lastSnapshots))
    }

    var isClosed: Bool { self.state.withLock { $0.closed } }

    /// Marks the store closed; false when it already was.
    func markClosed() -> Bool {
        self.state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
    }

    func lastSnapshot(of shard: Int) -> UInt64 {
        self.state.withLock { $0.lastSnapshots[shard] }
    }

    func setLastSnapshot(of shard: Int, _ sequence: UInt64) {
        self.state.withLock { $0.lastSnapshots[shard] = sequence }
    }

    /// Closes the lock file, letting another process open the folder.
    func releaseLock() {
        let fd = self.state.withLock { state in
            defer { state.lockFD = -1 }
            return state.lockFD
        }
        if fd >= 0 { Glibc.close(fd) }
    }
}
