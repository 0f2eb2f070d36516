public import ContactCore
public import ContactStore
public import Logging
import NIOCore

/// Turns one request line into its reply: envelope, authentication, the method's fields, then
/// the project's actor (PROTOCOL.md section 2's order of checks).
public struct Dispatcher: Sendable {
    private let store: any RequestStore
    private let keys: KeyRing
    private let limits: ProtocolLimits
    private let ids: ContactIDGenerator
    private let logger: Logger

    /// A dispatcher serving `store` to holders of `keys`.
    public init(store: any RequestStore, keys: KeyRing, limits: ProtocolLimits, ids: ContactIDGenerator, logger: Logger)
    {
        self.store = store
        self.keys = keys
        self.limits = limits
        self.ids = ids
        self.logger = logger
    }

    /// Remembers the last key a connection presented, so that a connection that sends the same
    /// key many times pays for hashing it once.
    public struct KeyCache: Sendable {
        fileprivate var key: [UInt8] = []
        fileprivate var project: String?

        /// An empty cache.
        public init() {}
    }

    /// The reply to one frame.
    public func dispatch(_ frame: LineFrame, keyCache: inout KeyCache) async -> PendingReply {
        switch frame {
        case .tooLong:
            return .ready(
                ResponseWriter.failure(
                    .payloadTooLarge,
                    message: "request line is over the limit of \(self.limits.maxLineBytes) bytes",
                    requestId: nil
                )
            )
        case .line(let buffer):
            do {
                let envelope = try buffer.withUnsafeReadableBytes { raw throws(RequestFailure) in
                    try RequestEnvelope.decode(raw)
                }
                return try await self.dispatch(envelope, keyCache: &keyCache)
            } catch {
                return .ready(error.response)
            }
        }
    }

    private func dispatch(
        _ envelope: RequestEnvelope,
        keyCache: inout KeyCache
    ) async throws(RequestFailure) -> PendingReply {
        guard let key = envelope.apiKey else {
            return .ready(ResponseWriter(status: .ok, success: true).finished(requestId: envelope.requestId))
        }
        let project = self.project(forKey: key, cache: &keyCache)
        guard let project else {
            self.logger.debug("unknown apiKey", metadata: ["key": "\(KeyRing.redacted(key))"])
            throw RequestFailure(.unauthorized, "unknown apiKey", requestId: envelope.requestId)
        }
        let request = try Request.decode(envelope, limits: self.limits)
        var fingerprint = Fingerprint(high: 0, low: 0)
        if envelope.method.isWrite, envelope.object["idempotencyKey"] != nil {
            fingerprint = Fingerprint(of: envelope.object)
        }
        let context = WriteContext(now: .now(), ids: self.ids, limits: self.limits, fingerprint: fingerprint)
        let reply: StoreReply
        do {
            reply = try await self.store.run(request, project: project, context: context)
        } catch {
            self.logger.error("request refused: \(error.message)", metadata: ["project": "\(project)"])
            throw RequestFailure(
                .serviceUnavailable,
                error.code == .notDurable
                    ? "the write was not applied (\(error.message)); the daemon retries the journal by itself, retry later"
                    : "the write was not applied (\(error.message))",
                requestId: envelope.requestId
            )
        }
        switch reply.durability {
        case .durable:
            return .ready(
                ResponseWriter.complete(body: reply.body, replayed: reply.replayed, requestId: envelope.requestId)
            )
        case .afterRecord(let ticket, let log):
            return .durable(
                body: reply.body,
                replayed: reply.replayed,
                requestId: envelope.requestId,
                log: log,
                sequence: ticket
            )
        }
    }

    private func project(forKey key: String, cache: inout KeyCache) -> String? {
        let bytes = Array(key.utf8)
        if let project = cache.project, KeyRing.constantTimeEqual(bytes, cache.key) { return project }
        let project = self.keys.project(forKey: key)
        if let project {
            cache.key = bytes
            cache.project = project
        }
        return project
    }
}
