import Dispatch

/// The serial executor a shard's project actors run on when the caller gives none: a private
/// serial dispatch queue (the server passes its event loops' executors instead, see
/// ``ContactStore/open(directory:shardCount:fsync:snapshotInterval:journalLimitBytes:executors:logger:)``).
final class QueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        self.queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = self.asUnownedSerialExecutor()
        self.queue.async { job.runSynchronously(on: executor) }
    }
}

extension Shard {
    /// The executor of shard `index` among `executors` (round-robin), or nil when none are given.
    static func roundRobin(_ executors: [any SerialExecutor]?, shard index: Int) -> (any SerialExecutor)? {
        guard let executors, !executors.isEmpty else { return nil }
        return executors[index % executors.count]
    }
}
