import Testing

@testable import ContactServer

/// A connection's life as events and actions, with instants chosen by the test (no sockets, no sleeps).
@Suite struct ConnectionStateMachineTests {
    private let start = ContinuousClock.now

    private func machine(replies: Int = 4, bytes: Int = 1000, grace: Duration = .seconds(10)) -> ConnectionStateMachine
    {
        var machine = ConnectionStateMachine(maxReplies: replies, maxBytes: bytes, grace: grace)
        machine.start()
        return machine
    }

    /// A started connection reads and answers requests.
    @Test func startsReading() {
        let machine = self.machine()
        #expect(machine.state == .reading(deadline: nil))
        #expect(machine.answersRequests)
        #expect(!machine.isShuttingDown)
    }

    /// The reader waits once the reply count bound is reached, and resumes when the writer sent one.
    @Test func countBoundStopsTheReader() {
        var machine = self.machine(replies: 3)
        #expect(machine.replyQueued(bytes: 10) == .readNext)
        #expect(machine.replyQueued(bytes: 10) == .readNext)
        #expect(machine.replyQueued(bytes: 10) == .waitForWriter)
        #expect(machine.readerWaiting)
        #expect(machine.repliesWritten(count: 1, bytes: 10) == .resumeReader)
        #expect(!machine.readerWaiting)
        #expect(machine.repliesWritten(count: 2, bytes: 20) == .none)
        #expect(machine.pendingReplies == 0 && machine.pendingBytes == 0)
    }

    /// The reader waits once the queued replies hold the byte bound, even below the count bound.
    @Test func byteBoundStopsTheReader() {
        var machine = self.machine(replies: 100, bytes: 1000)
        #expect(machine.replyQueued(bytes: 600) == .readNext)
        #expect(machine.replyQueued(bytes: 400) == .waitForWriter)
        #expect(machine.repliesWritten(count: 2, bytes: 1000) == .resumeReader)
    }

    /// One reply larger than the byte bound is still queued; the reader then waits for it to be written.
    @Test func oneLargeReplyIsQueued() {
        var machine = self.machine(bytes: 1000)
        #expect(machine.replyQueued(bytes: 5000) == .waitForWriter)
        #expect(machine.pendingReplies == 1)
    }

    /// At the client's end of input the pending replies are written; then the connection waits for
    /// the socket to take the last of them before it closes.
    @Test func endOfInputDrainsThenCloses() {
        var machine = self.machine()
        _ = machine.replyQueued(bytes: 10)
        _ = machine.replyQueued(bytes: 10)
        #expect(machine.inputEnded() == .drainReplies)
        #expect(machine.state == .draining(deadline: nil))
        #expect(!machine.isShuttingDown)
        #expect(machine.repliesWritten(count: 1, bytes: 10) == .none)
        #expect(machine.repliesWritten(count: 1, bytes: 10) == .close)
        #expect(machine.state == .flushing(deadline: nil))
        #expect(machine.writerIsDone)
        #expect(!machine.answersRequests)
    }

    /// End of input with nothing pending ends the writer at once.
    @Test func endOfInputWithNothingPendingCloses() {
        var machine = self.machine()
        #expect(machine.inputEnded() == .close)
        #expect(machine.state == .flushing(deadline: nil))
        #expect(machine.writerIsDone)
    }

    /// Shutdown while the last replies wait for a client that does not read arms the deadline, and
    /// the connection closes there (the daemon's exit waits for no client).
    @Test func shutdownWhileFlushingClosesAtTheDeadline() {
        var machine = self.machine(grace: .seconds(2))
        #expect(machine.inputEnded() == .close)
        #expect(machine.shutdownBegan(now: self.start) == .armDeadline(self.start + .seconds(2)))
        #expect(machine.isShuttingDown)
        #expect(machine.deadlineReached(now: self.start + .seconds(1)) == .none)
        #expect(machine.deadlineReached(now: self.start + .seconds(2)) == .close)
        #expect(machine.state == .closed)
    }

    /// Shutdown closes the input and sets the grace deadline; unfinished lines are then dropped.
    @Test func shutdownClosesInputWithDeadline() {
        var machine = self.machine(grace: .seconds(10))
        _ = machine.replyQueued(bytes: 10)
        #expect(machine.shutdownBegan(now: self.start) == .closeInput(deadline: self.start + .seconds(10)))
        #expect(machine.isShuttingDown)
        #expect(machine.answersRequests)
        #expect(machine.inputEnded() == .drainReplies)
        #expect(machine.state == .draining(deadline: self.start + .seconds(10)))
    }

    /// A client that does not read during shutdown is closed exactly at the deadline, not before.
    @Test func nonReadingClientClosedAtDeadline() {
        var machine = self.machine(grace: .seconds(10))
        _ = machine.replyQueued(bytes: 10)
        _ = machine.shutdownBegan(now: self.start)
        _ = machine.inputEnded()
        #expect(machine.deadlineReached(now: self.start + .seconds(9)) == .none)
        #expect(machine.state != .closed)
        #expect(machine.deadlineReached(now: self.start + .seconds(10)) == .close)
        #expect(machine.state == .closed)
    }

    /// A client that reads its replies during shutdown ends its writer as soon as the last one is
    /// handed over; waiting for the socket to take it stays bounded by the same deadline.
    @Test func readingClientClosedWhenDrained() {
        var machine = self.machine(grace: .seconds(10))
        _ = machine.replyQueued(bytes: 10)
        _ = machine.shutdownBegan(now: self.start)
        _ = machine.inputEnded()
        #expect(machine.repliesWritten(count: 1, bytes: 10) == .close)
        #expect(machine.state == .flushing(deadline: self.start + .seconds(10)))
        #expect(machine.deadlineReached(now: self.start + .seconds(9)) == .none)
        #expect(machine.deadlineReached(now: self.start + .seconds(10)) == .close)
    }

    /// Shutdown after the client half-closed only arms the deadline (the input is closed already).
    @Test func shutdownAfterEndOfInputArmsDeadline() {
        var machine = self.machine(grace: .seconds(2))
        _ = machine.replyQueued(bytes: 10)
        _ = machine.inputEnded()
        #expect(machine.shutdownBegan(now: self.start) == .armDeadline(self.start + .seconds(2)))
        #expect(machine.shutdownBegan(now: self.start + .seconds(1)) == .none)
    }

    /// A second shutdown event keeps the first deadline.
    @Test func secondShutdownKeepsDeadline() {
        var machine = self.machine(grace: .seconds(10))
        _ = machine.shutdownBegan(now: self.start)
        #expect(machine.shutdownBegan(now: self.start + .seconds(5)) == .none)
        #expect(machine.state == .reading(deadline: self.start + .seconds(10)))
    }

    /// A failed write closes the connection: nothing more is answered, a waiting reader is released.
    @Test func writeFailureCloses() {
        var machine = self.machine(replies: 1)
        #expect(machine.replyQueued(bytes: 10) == .waitForWriter)
        machine.writeFailed()
        #expect(machine.state == .closed)
        #expect(!machine.answersRequests)
        #expect(!machine.readerWaiting)
        #expect(machine.inputEnded() == .close)
    }
}
