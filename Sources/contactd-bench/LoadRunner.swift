import NIOCore
import NIOPosix

/// Opens the connections, starts them together, and gathers their reports.
struct LoadRunner<Codec: BenchCodec> {
    var codec: Codec
    var socketPath: String
    var plans: [ConnectionPlan]
    var threads: Int
    /// Seconds of warm-up before the measurement window, and the window's length (nil: until done).
    var warmup: Double
    var duration: Double?

    /// Runs the workload; throws when a connection cannot be opened.
    func run() throws -> (reports: [ConnectionReport], timing: RunTiming) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.threads)
        defer { try? group.syncShutdownGracefully() }

        var channels: [any Channel] = []
        var results: [EventLoopFuture<ConnectionReport>] = []
        for plan in self.plans {
            let loop = group.next()
            let promise = loop.makePromise(of: ConnectionReport.self)
            let codec = self.codec
            let bootstrap = ClientBootstrap(group: loop)
                .channelOption(
                    .recvAllocator,
                    value: AdaptiveRecvByteBufferAllocator(minimum: 4096, initial: 65536, maximum: 1 << 20)
                )
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            LoadHandler(codec: codec, plan: plan, promise: promise)
                        )
                    }
                }
            let channel: any Channel
            do {
                channel = try bootstrap.connect(unixDomainSocketPath: self.socketPath).wait()
            } catch {
                for open in channels { open.close(promise: nil) }
                promise.fail(error)
                throw BenchFailure("cannot connect to \(self.socketPath): \(error)")
            }
            channels.append(channel)
            results.append(promise.futureResult)
        }

        let start = NIODeadline.now().uptimeNanoseconds
        let windowStart = start + UInt64(self.warmup * 1e9)
        let timing: RunTiming
        if let duration = self.duration {
            let end = windowStart + UInt64(duration * 1e9)
            timing = RunTiming(start: start, windowStart: windowStart, windowEnd: end, stopSendingAt: end)
        } else {
            timing = RunTiming(start: start, windowStart: windowStart, windowEnd: .max, stopSendingAt: nil)
        }
        for channel in channels {
            channel.eventLoop.execute {
                try? channel.pipeline.syncOperations.handler(type: LoadHandler<Codec>.self).start(timing)
            }
        }
        let reports = try results.map { try $0.wait() }
        return (reports, timing)
    }
}
