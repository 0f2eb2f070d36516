import Histogram
import NIOCore
import SeededRandom

/// Drives one connection: keeps `pipeline` requests in flight, times each from the write to its
/// reply, and fulfils its promise with a `ConnectionReport` once it has stopped sending and every
/// request is answered (or the connection is lost).
///
/// Everything runs on the channel's event loop; writes are flushed once per read batch.
final class LoadHandler<Codec: BenchCodec>: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let codec: Codec
    private var plan: ConnectionPlan
    private let promise: EventLoopPromise<ConnectionReport>
    private var scanner: Codec.Scanner
    private var report: ConnectionReport
    private var context: ChannelHandlerContext?
    private var timing: RunTiming?

    /// In-flight requests, oldest first, as a ring: when each was written and what it holds.
    private var sentAt: [UInt64]
    private var sent: [SentRequest]
    private var head = 0
    private var inFlight = 0

    private var nextRequestNumber = 1
    private var batchIDs: [Int] = []
    private var sending = true
    private var finished = false
    private var lastProgress: UInt64 = 0
    private var watchdog: Scheduled<Void>?

    init(codec: Codec, plan: ConnectionPlan, promise: EventLoopPromise<ConnectionReport>) {
        self.codec = codec
        self.plan = plan
        self.promise = promise
        self.scanner = codec.makeScanner()
        self.report = ConnectionReport(trackedIDSpace: plan.trackedIDSpace)
        self.sentAt = [UInt64](repeating: 0, count: plan.pipeline)
        self.sent = [SentRequest](repeating: SentRequest(contacts: 0, isRead: false), count: plan.pipeline)
        self.batchIDs.reserveCapacity(Swift.max(plan.batch, plan.readBatch))
    }

    // MARK: - Starting and sending

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if !self.finished {
            self.report.failure = self.report.failure ?? "the connection ended before the run did"
            self.finish()
        }
        self.context = nil
    }

    /// Sends the first `pipeline` requests; called on the event loop once every connection is up.
    func start(_ timing: RunTiming) {
        guard let context = self.context, !self.finished else { return }
        self.timing = timing
        self.lastProgress = NIODeadline.now().uptimeNanoseconds
        while self.inFlight < self.plan.pipeline, self.sendOne(context: context) {}
        context.flush()
        self.scheduleWatchdog(on: context.eventLoop)
        self.finishIfDone(context: context)
    }

    /// Writes one more request unless the plan says stop; false when it did not.
    private func sendOne(context: ChannelHandlerContext) -> Bool {
        guard self.sending, let timing = self.timing else { return false }
        let now = NIODeadline.now().uptimeNanoseconds
        if let quota = self.plan.quota, quota <= 0 {
            self.sending = false
            return false
        }
        if let stop = timing.stopSendingAt, now >= stop {
            self.sending = false
            return false
        }
        let isRead =
            self.plan.readPercent > 0
            && (self.plan.readPercent >= 100 || self.plan.readChooser.next(below: 100) < self.plan.readPercent)
        self.batchIDs.removeAll(keepingCapacity: true)
        if isRead {
            while self.batchIDs.count < self.plan.readBatch, let id = self.plan.ids.next() {
                self.batchIDs.append(id)
            }
        } else {
            while self.batchIDs.count < self.plan.batch, let id = self.plan.ids.next() {
                self.batchIDs.append(id)
                self.report.touched.insert(id)
            }
        }
        guard !self.batchIDs.isEmpty else {
            self.sending = false
            return false
        }
        var buffer: ByteBuffer
        if isRead {
            buffer = context.channel.allocator.buffer(
                capacity: self.codec.readRequestCapacity(contacts: self.batchIDs.count)
            )
            self.codec.writeReadRequest(ids: self.batchIDs, into: &buffer)
        } else {
            buffer = context.channel.allocator.buffer(
                capacity: self.codec.requestCapacity(contacts: self.batchIDs.count)
            )
            self.codec.writeRequest(number: self.nextRequestNumber, ids: self.batchIDs, into: &buffer)
        }
        self.nextRequestNumber += 1
        if let quota = self.plan.quota { self.plan.quota = quota - 1 }

        let slot = (self.head + self.inFlight) % self.plan.pipeline
        self.sentAt[slot] = NIODeadline.now().uptimeNanoseconds
        self.sent[slot] = SentRequest(contacts: self.batchIDs.count, isRead: isRead)
        self.inFlight += 1
        context.write(self.wrapOutboundOut(buffer), promise: nil)
        return true
    }

    // MARK: - Replies

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        while buffer.readableBytes > 0 {
            guard self.inFlight > 0 else {
                self.fail(context: context, reason: "a reply arrived with no request in flight")
                return
            }
            guard let outcome = self.scanner.next(from: &buffer, request: self.sent[self.head]) else {
                break
            }
            self.complete(outcome, context: context)
        }
        self.finishIfDone(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    private func complete(_ outcome: ReplyOutcome, context: ChannelHandlerContext) {
        let now = NIODeadline.now().uptimeNanoseconds
        let request = self.sent[self.head]
        let elapsed = now &- self.sentAt[self.head]
        self.head = (self.head + 1) % self.plan.pipeline
        self.inFlight -= 1
        self.lastProgress = now
        self.report.lastReplyAt = now
        let inWindow = self.timing.map { now >= $0.windowStart && now <= $0.windowEnd } ?? false
        let micros = Swift.min(Swift.max(elapsed / 1000, 1), ConnectionReport.highestLatency)

        if request.isRead {
            // A read counts when it was served, hit or miss; a failed one is an error.
            let served = Swift.max(request.contacts - outcome.failedEntries, 0)
            self.report.reads += 1
            self.report.readContacts += served
            self.report.readMisses += outcome.misses
            self.report.failedEntries += outcome.failedEntries
            if !outcome.accepted { self.report.rejected += 1 }
            if inWindow {
                self.report.windowReads += 1
                self.report.windowReadContacts += served
                _ = self.report.readLatency.record(micros)
            }
        } else {
            // Contacts count only when applied: a rejected request applied none, a failed entry is not applied.
            let applied = outcome.accepted ? Swift.max(request.contacts - outcome.failedEntries, 0) : 0
            self.report.requests += 1
            self.report.contacts += applied
            if !outcome.accepted { self.report.rejected += 1 }
            self.report.failedEntries += outcome.failedEntries
            if inWindow {
                self.report.windowRequests += 1
                self.report.windowContacts += applied
                _ = self.report.latency.record(micros)
                if self.plan.intervalNanoseconds > 0, let timing = self.timing {
                    var slice = Int((now &- timing.windowStart) / self.plan.intervalNanoseconds)
                    if timing.windowEnd != .max, timing.windowEnd > timing.windowStart {
                        // A reply at the window's very end belongs to the last slice, not a new one.
                        let last = Int((timing.windowEnd - timing.windowStart - 1) / self.plan.intervalNanoseconds)
                        slice = Swift.min(slice, last)
                    }
                    while self.report.intervalContacts.count <= slice {
                        self.report.intervalContacts.append(0)
                        self.report.intervalMaxLatency.append(0)
                    }
                    self.report.intervalContacts[slice] += applied
                    self.report.intervalMaxLatency[slice] = Swift.max(self.report.intervalMaxLatency[slice], micros)
                }
            }
        }
        _ = self.sendOne(context: context)
    }

    // MARK: - Ending

    private func finishIfDone(context: ChannelHandlerContext) {
        if !self.sending, self.inFlight == 0 {
            self.finish()
            context.close(promise: nil)
        }
    }

    private func finish() {
        guard !self.finished else { return }
        self.finished = true
        self.sending = false
        self.watchdog?.cancel()
        self.report.lost += self.inFlight
        self.inFlight = 0
        self.promise.succeed(self.report)
    }

    private func fail(context: ChannelHandlerContext, reason: String) {
        guard !self.finished else { return }
        if self.report.failure == nil { self.report.failure = reason }
        self.finish()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.finished {
            self.report.failure = self.report.failure ?? "the server closed the connection"
            self.finish()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(context: context, reason: "\(error)")
    }

    /// Gives up on a connection whose replies stopped coming.
    private func scheduleWatchdog(on loop: any EventLoop) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        self.watchdog = loop.scheduleTask(in: .seconds(1)) {
            let handler = bound.value
            guard !handler.finished, let context = handler.context else { return }
            let now = NIODeadline.now().uptimeNanoseconds
            if handler.inFlight > 0, now &- handler.lastProgress > handler.plan.stallTimeoutNanoseconds {
                handler.fail(
                    context: context,
                    reason: "no reply for \(handler.plan.stallTimeoutNanoseconds / 1_000_000_000) s"
                )
            } else {
                handler.scheduleWatchdog(on: loop)
            }
        }
    }
}
