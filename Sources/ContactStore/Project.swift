import ContactCore

/// One project's contacts behind an actor: requests of one project run one at a time, in the
/// order they arrive; different projects run in parallel.
public actor Project {
    /// The project's name.
    public nonisolated let name: String
    private var state: ProjectState
    private let log: any ChangeLog

    /// A project holding `state`, journaling to `log`.
    public init(state: ProjectState, log: any ChangeLog) {
        self.name = state.name
        self.state = state
        self.log = log
    }

    /// What a request produced, and what must be durable before the client may see it.
    public struct Reply: Sendable {
        /// The response, without `replayed` and `requestId`.
        public var body: [UInt8]
        /// True for a replayed idempotent response.
        public var replayed: Bool
        /// The journal sequence number to wait for before answering, if any.
        public var durableAfter: UInt64?
    }

    /// Runs `request`, journaling its changes; the caller waits for `durableAfter` before answering.
    ///
    /// Throws, without running the request, once the shard's journal has failed: its memory may
    /// then hold changes that were refused, and no reader may see them.
    public func execute(_ request: Request, context: WriteContext) throws(StoreError) -> Reply {
        if let failure = self.log.failure { throw failure }
        let outcome = self.state.execute(request, context: context)
        if let original = outcome.replayOf {
            return Reply(body: outcome.body, replayed: true, durableAfter: original)
        }
        guard !outcome.changes.isEmpty else {
            return Reply(body: outcome.body, replayed: false, durableAfter: nil)
        }
        let sequence = try self.log.append(ChangeSet(project: self.name, changes: outcome.changes))
        for case .remember(let record) in outcome.changes {
            self.state.noteSequence(sequence, forKey: record.key)
        }
        return Reply(body: outcome.body, replayed: false, durableAfter: sequence)
    }

    /// A copy of the project's state, for a snapshot (cheap: the contact pages are shared
    /// copy-on-write).
    public func snapshot() -> ProjectState {
        self.state
    }

    /// The number of contacts.
    public func count() -> Int {
        self.state.contacts.count
    }
}
