import ContactCore
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One pipelined connection to the daemon, opened on first use and opened again on the next use
/// after it ended (the daemon restarted, a timeout closed it, …).
///
/// Any number of tasks may send at once: each request is written as it comes and its response
/// is matched in order by ``ResponseMatcher``. The state is guarded by a mutex whose critical
/// sections never wait for I/O.
final class Connection: Sendable {
    private enum State {
        case idle
        case connecting(EventLoopFuture<any Channel>)
        case connected(any Channel)
        case closed
    }

    /// The daemon's socket.
    let path: String
    private let group: any EventLoopGroup
    private let connectTimeout: Duration
    private let requestTimeout: Duration?
    private let state = Mutex<State>(.idle)

    /// A connection to `path`, not yet opened.
    init(path: String, group: any EventLoopGroup, connectTimeout: Duration, requestTimeout: Duration?) {
        self.path = path
        self.group = group
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }

    deinit {
        self.state.withLock { state in
            if case .connected(let channel) = state { channel.close(promise: nil) }
        }
    }

    /// Sends one request line (ending with `\n`) and returns its response line.
    func send(_ line: [UInt8]) async throws(ContactClientError) -> ByteBuffer {
        let channel = try await self.channel()
        let response = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let request = PendingRequest(line: channel.allocator.buffer(bytes: line), response: response)
        channel.writeAndFlush(request).whenFailure { error in
            response.fail(Self.connectionError(error))
        }
        if let timeout = self.requestTimeout {
            let timer = channel.eventLoop.scheduleTask(in: Self.timeAmount(timeout)) {
                response.fail(ContactClientError.timedOut(timeout))
                channel.close(promise: nil)
            }
            response.futureResult.whenComplete { _ in timer.cancel() }
        }
        do {
            return try await response.futureResult.get()
        } catch {
            throw Self.connectionError(error)
        }
    }

    /// Closes the connection; later sends fail with ``ContactClientError/clientClosed``.
    func close() async {
        let channel: (any Channel)? = self.state.withLock { state in
            defer { state = .closed }
            switch state {
            case .connected(let channel): return channel
            case .connecting(let future):
                future.whenSuccess { $0.close(promise: nil) }
                return nil
            case .idle, .closed: return nil
            }
        }
        if let channel {
            try? await channel.close()
        }
    }

    // MARK: - Connecting

    /// The open channel, connecting first when there is none.
    private func channel() async throws(ContactClientError) -> any Channel {
        let (future, started) = try self.state.withLock { state throws(ContactClientError) in
            switch state {
            case .closed:
                throw ContactClientError.clientClosed
            case .connected(let channel) where channel.isActive:
                return (channel.eventLoop.makeSucceededFuture(channel), false)
            case .connecting(let future):
                return (future, false)
            case .idle, .connected:
                let future = self.bootstrap().connect(unixDomainSocketPath: self.path)
                state = .connecting(future)
                return (future, true)
            }
        }
        if started {
            future.whenComplete { [weak self] result in
                guard let self else {
                    (try? result.get())?.close(promise: nil)
                    return
                }
                self.connectFinished(future, result)
            }
        }
        do {
            return try await future.get()
        } catch {
            if let error = error as? ContactClientError { throw error }
            throw ContactClientError.connectionFailed("\(self.path): \(Self.describe(error))")
        }
    }

    private func bootstrap() -> ClientBootstrap {
        ClientBootstrap(group: self.group)
            .connectTimeout(Self.timeAmount(self.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(LineFrameDecoder()),
                        ResponseMatcher()
                    )
                }
            }
    }

    private func connectFinished(_ future: EventLoopFuture<any Channel>, _ result: Result<any Channel, any Error>) {
        let orphan: (any Channel)? = self.state.withLock { state in
            guard case .connecting(let pending) = state, pending === future else {
                // Closed while connecting: the new channel has no owner.
                return try? result.get()
            }
            switch result {
            case .success(let channel): state = .connected(channel)
            case .failure: state = .idle
            }
            return nil
        }
        if let orphan {
            orphan.close(promise: nil)
            return
        }
        if case .success(let channel) = result {
            channel.closeFuture.whenComplete { [weak self] _ in self?.channelClosed(channel) }
        }
    }

    private func channelClosed(_ channel: any Channel) {
        self.state.withLock { state in
            if case .connected(let current) = state, current === channel { state = .idle }
        }
    }

    // MARK: - Helpers

    private static func connectionError(_ error: any Error) -> ContactClientError {
        if let error = error as? ContactClientError { return error }
        return .connectionClosed(Self.describe(error))
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode))
        }
        return "\(error)"
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.nanoseconds)
    }
}
