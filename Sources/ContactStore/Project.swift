public import ContactCore
import DequeModule

/// One project's contacts behind an actor: requests of one project run one at a time, in the
/// order they arrive; different projects run in parallel.
///
/// The actor keeps, for every journal record of the project not yet known durable, how to take
/// it back: when the journal reports lost records (a failed write or fsync), the project reverts
/// them, newest first, before it runs anything else, so it is back at its last durable state.
public actor Project {
    /// The project's name.
    public nonisolated let name: String
    private var state: ProjectState
    private let log: any ChangeLog
    /// Records of this project not yet known durable, oldest first.
    private var unconfirmed: Deque<(ticket: UInt64, undo: ProjectState.Undo)> = []
    /// The ticket of the last durable record that touched the project (0: loaded from disk).
    private var lastDurable: UInt64 = 0
    /// The log's loss count this project has reconciled with.
    private var reconciledLosses: Int
    /// The latest instant a write used: the next write's instant is never earlier.
    private var lastInstant = Timestamp(milliseconds: Int64.min)

    /// A project holding `state`, journaling to `log`.
    public init(state: ProjectState, log: any ChangeLog) {
        self.name = state.name
        self.state = state
        self.log = log
        self.reconciledLosses = log.losses
    }

    /// What a request produced, and what must be durable before the client may see it.
    public struct Reply: Sendable {
        /// The response, without `replayed` and `requestId`.
        public var body: [UInt8]
        /// True for a replayed idempotent response.
        public var replayed: Bool
        /// The journal ticket to wait for before answering: the request's own record, or, for
        /// a reply without one (reads, writes that changed nothing, replays, refusals), the last
        /// record that touched the project; nil when nothing needs waiting for.
        public var durableAfter: UInt64?
    }

    /// Runs `request`, journaling its changes; the caller waits for `durableAfter` before answering.
    ///
    /// Reads are answered while the shard's journal is degraded (from its last durable state);
    /// writes throw then, and throw when their record cannot be appended (too large, or earlier
    /// records were just lost), leaving the project unchanged.
    public func execute(_ request: Request, context: WriteContext) throws(StoreError) -> Reply {
        self.reconcile()
        var context = context
        if request.isWrite {
            if let failure = self.log.failure { throw failure }
            if context.now.milliseconds < self.lastInstant.milliseconds { context.now = self.lastInstant }
            self.lastInstant = context.now
        }
        let outcome = self.state.execute(request, context: context)
        guard !outcome.changes.isEmpty else {
            return Reply(body: outcome.body, replayed: outcome.replayOf != nil, durableAfter: self.lastTouched)
        }
        let ticket: UInt64
        do throws(StoreError) {
            ticket = try self.log.append(
                ChangeSet(project: self.name, changes: outcome.changes, copiedRuns: outcome.copiedRuns),
                expectedLosses: self.reconciledLosses
            )
        } catch {
            self.state.revert(outcome.undo)
            self.reconcile()
            throw error
        }
        for case .remember(let record) in outcome.changes {
            self.state.noteSequence(ticket, forKey: record.key)
        }
        if self.log.status(of: ticket) == .durable {
            self.lastDurable = ticket
        } else {
            self.unconfirmed.append((ticket, outcome.undo))
        }
        return Reply(body: outcome.body, replayed: false, durableAfter: ticket)
    }

    /// The ticket of the last record that touched the project, or nil when it is durable.
    private var lastTouched: UInt64? {
        self.unconfirmed.last?.ticket
    }

    /// Forgets the undo of records that became durable, and reverts (newest first) those the
    /// log lost since the last call.
    private func reconcile() {
        let losses = self.log.losses
        if losses != self.reconciledLosses {
            while let last = self.unconfirmed.last, self.log.status(of: last.ticket) == .lost {
                self.state.revert(last.undo)
                self.unconfirmed.removeLast()
            }
            self.reconciledLosses = losses
        }
        while let first = self.unconfirmed.first, self.log.status(of: first.ticket) == .durable {
            self.lastDurable = first.ticket
            self.unconfirmed.removeFirst()
        }
    }

    /// A copy of the project's state, for a snapshot (cheap: the contact pages are shared
    /// copy-on-write). Lost records are reverted first.
    public func snapshot() -> ProjectState {
        self.reconcile()
        return self.state
    }

    /// The number of contacts.
    public func count() -> Int {
        self.reconcile()
        return self.state.contacts.count
    }
}
