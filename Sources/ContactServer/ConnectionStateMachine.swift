/// The life of one client connection as a state machine: events in, named actions out, no I/O.
///
/// ```
/// accepted ─start─▶ reading ─end of input─▶ draining ─last reply handed─▶ flushing ─taken─▶ (closes)
///                     │                        ▲  │                          │
///                     └─shutdown (deadline)────┘  └─deadline / write failed──┴─▶ closed
/// ```
///
/// - **reading**: requests are read and answered in order. Replies not yet written are counted
///   (by number and bytes); when either bound is reached the reader is told to wait, so a client
///   that does not read stops being read (PROTOCOL.md section 1).
/// - **draining**: no request will be read any more (the client half-closed, or the server began
///   to shut down and closed the input); the replies of the requests already read are written,
///   then the connection closes. During shutdown a client that does not read is given until the
///   deadline (``ServerConfiguration/shutdownGrace``), then closed.
/// - **flushing**: every reply was handed to the channel, which writes it as the client reads;
///   the driver closes the channel once the last byte is in the socket (closing earlier would drop
///   replies). During shutdown a client that does not read is given until the deadline.
/// - **closed**: nothing more is read or written.
///
/// The driver (``ContactServer``) feeds events from the socket, the writer and the clock, and
/// carries out the actions; every decision lives here, so it is tested without sockets or sleeps.
struct ConnectionStateMachine: Sendable {
    /// Where the connection is in its life.
    enum State: Equatable, Sendable {
        /// Admitted, not serving yet.
        case accepted
        /// Reading and answering requests; `deadline` is set once shutdown began while the input
        /// is still being closed.
        case reading(deadline: ContinuousClock.Instant?)
        /// No more requests; answering the ones read. `deadline` is set during shutdown.
        case draining(deadline: ContinuousClock.Instant?)
        /// Every reply was handed to the channel; waiting for the client to take the last bytes.
        /// `deadline` is set during shutdown.
        case flushing(deadline: ContinuousClock.Instant?)
        /// Done.
        case closed
    }

    /// What the reader does after a request's reply was queued.
    enum AfterReply: Equatable, Sendable {
        /// Read the next request.
        case readNext
        /// Wait until the writer has sent replies (the client is not reading fast enough).
        case waitForWriter
    }

    /// What the driver does after replies were written.
    enum AfterWrite: Equatable, Sendable {
        /// Nothing to do.
        case none
        /// Wake the reader that waits for room.
        case resumeReader
        /// Every reply is handed to the channel and no request will come: the writer ends, and the
        /// channel closes once the client has taken the last reply.
        case close
    }

    /// What the driver does after the input ended.
    enum AfterInputEnd: Equatable, Sendable {
        /// Write the replies still pending, then close.
        case drainReplies
        /// Nothing is pending: end the writer; the channel closes once the client has taken the
        /// last reply.
        case close
    }

    /// What the driver does when the server begins to shut down.
    enum AfterShutdown: Equatable, Sendable {
        /// Stop reading (close the input) and wake the driver at `deadline`.
        case closeInput(deadline: ContinuousClock.Instant)
        /// The input is already closed: wake the driver at `deadline`.
        case armDeadline(ContinuousClock.Instant)
        /// Nothing to do (already closed).
        case none
    }

    /// What the driver does when its deadline timer fires.
    enum AfterDeadline: Equatable, Sendable {
        /// Close the connection: the client did not read its replies in time.
        case close
        /// Nothing to do yet.
        case none
    }

    /// The current state.
    private(set) var state: State = .accepted
    /// Replies queued and not yet written.
    private(set) var pendingReplies = 0
    /// Their bytes.
    private(set) var pendingBytes = 0
    /// True while the reader waits for the writer.
    private(set) var readerWaiting = false

    private let maxReplies: Int
    private let maxBytes: Int
    private let grace: Duration

    /// A connection that may have `maxReplies` replies (and, beyond the first, `maxBytes` bytes of
    /// them) waiting to be written, and gets `grace` to read them once shutdown begins.
    init(maxReplies: Int, maxBytes: Int, grace: Duration) {
        self.maxReplies = maxReplies
        self.maxBytes = maxBytes
        self.grace = grace
    }

    /// True once the server itself has begun closing the input: bytes after the last `\n` are
    /// then an unfinished request and get no reply (not a final line, as at a client's end of input).
    var isShuttingDown: Bool {
        switch self.state {
        case .reading(let deadline), .draining(let deadline), .flushing(let deadline): return deadline != nil
        case .accepted: return false
        case .closed: return true
        }
    }

    /// True while requests that were read should still be run and answered.
    var answersRequests: Bool {
        switch self.state {
        case .reading, .draining: return true
        case .accepted, .flushing, .closed: return false
        }
    }

    /// True once no reply will be handed to the writer any more.
    var writerIsDone: Bool {
        switch self.state {
        case .flushing, .closed: return true
        case .accepted, .reading, .draining: return false
        }
    }

    // MARK: - Events

    /// The connection starts serving.
    mutating func start() {
        guard case .accepted = self.state else { return }
        self.state = .reading(deadline: nil)
    }

    /// A reply of `bytes` bytes was queued for the writer.
    mutating func replyQueued(bytes: Int) -> AfterReply {
        guard self.answersRequests else { return .readNext }
        self.pendingReplies += 1
        self.pendingBytes += bytes
        if self.pendingReplies >= self.maxReplies || self.pendingBytes >= self.maxBytes {
            self.readerWaiting = true
            return .waitForWriter
        }
        return .readNext
    }

    /// The writer sent `count` replies holding `bytes` bytes.
    mutating func repliesWritten(count: Int, bytes: Int) -> AfterWrite {
        self.pendingReplies = max(0, self.pendingReplies - count)
        self.pendingBytes = max(0, self.pendingBytes - bytes)
        switch self.state {
        case .draining(let deadline) where self.pendingReplies == 0:
            self.state = .flushing(deadline: deadline)
            return .close
        case .reading where self.readerWaiting:
            self.readerWaiting = false
            return .resumeReader
        default:
            return .none
        }
    }

    /// No request will be read any more (the client half-closed, or the input was closed at shutdown).
    mutating func inputEnded() -> AfterInputEnd {
        switch self.state {
        case .accepted:
            self.state = .closed
            return .close
        case .reading(let deadline):
            self.readerWaiting = false
            if self.pendingReplies == 0 {
                self.state = .flushing(deadline: deadline)
                return .close
            }
            self.state = .draining(deadline: deadline)
            return .drainReplies
        case .draining:
            return .drainReplies
        case .flushing, .closed:
            return .close
        }
    }

    /// The server begins to shut down at `now`.
    mutating func shutdownBegan(now: ContinuousClock.Instant) -> AfterShutdown {
        let deadline = now.advanced(by: self.grace)
        switch self.state {
        case .accepted, .reading(deadline: nil):
            self.state = .reading(deadline: deadline)
            return .closeInput(deadline: deadline)
        case .draining(deadline: nil):
            self.state = .draining(deadline: deadline)
            return .armDeadline(deadline)
        case .flushing(deadline: nil):
            self.state = .flushing(deadline: deadline)
            return .armDeadline(deadline)
        case .reading, .draining, .flushing, .closed:
            return .none
        }
    }

    /// The driver's deadline timer fired at `now`.
    mutating func deadlineReached(now: ContinuousClock.Instant) -> AfterDeadline {
        switch self.state {
        case .reading(let deadline?), .draining(let deadline?), .flushing(let deadline?):
            guard now >= deadline else { return .none }
            self.state = .closed
            return .close
        default:
            return .none
        }
    }

    /// Writing to the client failed (it went away): nothing more can be sent.
    mutating func writeFailed() {
        self.state = .closed
        self.readerWaiting = false
    }
}
