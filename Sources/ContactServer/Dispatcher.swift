public import ContactCore
public import ContactStore
public import Logging
import NIOCore

/// Turns one request line into its reply: envelope, authentication, the method's fields, then
/// the project's actor (PROTOCOL.md section 2's order of checks), or, for an admin key's
/// `admin.*` method, ``AdminMethods``. Each request is counted once in ``metrics``.
public struct Dispatcher: Sendable {
    private let store: any RequestStore
    private let keys: LiveKeys
    private let limits: ProtocolLimits
    private let ids: ContactIDGenerator
    private let logger: Logger
    private let admin: AdminMethods
    /// What the dispatcher counts.
    public let metrics: RequestMetrics

    /// A dispatcher serving `store` to holders of `keys`; `admin` answers the `admin.*` methods
    /// (by default: those of `store` when it is an ``AdministeredStore``, without backups).
    public init(
        store: any RequestStore,
        keys: LiveKeys,
        limits: ProtocolLimits,
        ids: ContactIDGenerator,
        logger: Logger,
        metrics: RequestMetrics = RequestMetrics(),
        admin: AdminMethods? = nil
    ) {
        self.store = store
        self.keys = keys
        self.limits = limits
        self.ids = ids
        self.logger = logger
        self.metrics = metrics
        self.admin =
            admin
            ?? AdminMethods(
                store: store as? any AdministeredStore,
                metrics: metrics,
                backupDirectory: nil,
                logger: logger
            )
    }

    /// A dispatcher serving `store` to holders of `keys`, which never change.
    public init(store: any RequestStore, keys: KeyRing, limits: ProtocolLimits, ids: ContactIDGenerator, logger: Logger)
    {
        self.init(store: store, keys: LiveKeys(keys), limits: limits, ids: ids, logger: logger)
    }

    /// Remembers the last key a connection presented, so that a connection that sends the same
    /// key many times pays for hashing it once (until the keys are reloaded).
    public struct KeyCache: Sendable {
        fileprivate var key: [UInt8] = []
        fileprivate var grant: KeyGrant?
        fileprivate var generation: UInt64 = 0

        /// An empty cache.
        public init() {}
    }

    /// The reply to one frame.
    public func dispatch(_ frame: LineFrame, keyCache: inout KeyCache) async -> PendingReply {
        let start = ContinuousClock.now
        var method: Method?
        let reply = await self.reply(to: frame, method: &method, keyCache: &keyCache)
        self.metrics.record(method: method, reply: reply, since: start)
        return reply
    }

    private func reply(to frame: LineFrame, method: inout Method?, keyCache: inout KeyCache) async -> PendingReply {
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
                // The common upsert goes without a JSON tree; any other line, or one that would
                // fail, the general way.
                if let line = buffer.withUnsafeReadableBytes({ UpsertLine.decode($0, limits: self.limits) }) {
                    method = .upsert
                    return try await self.dispatch(line, keyCache: &keyCache)
                }
                let envelope = try buffer.withUnsafeReadableBytes { raw throws(RequestFailure) in
                    try RequestEnvelope.decode(raw)
                }
                method = envelope.method
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
        let grant = try self.authorize(key, requestId: envelope.requestId, cache: &keyCache)
        if let adminRequest = try self.adminRequest(envelope, grant: grant) {
            return .ready(try await self.admin.answer(adminRequest, requestId: envelope.requestId))
        }
        let project = try self.project(of: grant, requestId: envelope.requestId)
        let request = try Request.decode(envelope, limits: self.limits)
        var fingerprint = Fingerprint(high: 0, low: 0)
        if envelope.method.isWrite, envelope.object["idempotencyKey"] != nil {
            fingerprint = Fingerprint(of: envelope.object)
        }
        return try await self.run(request, project: project, fingerprint: fingerprint, requestId: envelope.requestId)
    }

    /// The reply to an upsert line decoded without its JSON tree.
    private func dispatch(_ line: UpsertLine, keyCache: inout KeyCache) async throws(RequestFailure) -> PendingReply {
        let grant = try self.authorize(line.apiKey, requestId: line.requestId, cache: &keyCache)
        let project = try self.project(of: grant, requestId: line.requestId)
        var fingerprint = Fingerprint(high: 0, low: 0)
        if line.request.idempotencyKey != nil {
            fingerprint = Fingerprint(of: line.fingerprinted)
        }
        return try await self.run(
            .upsert(line.request),
            project: project,
            fingerprint: fingerprint,
            requestId: line.requestId
        )
    }

    /// The grant of `key`; 401 when no key matches.
    private func authorize(
        _ key: String,
        requestId: RequestID?,
        cache: inout KeyCache
    ) throws(RequestFailure) -> KeyGrant {
        guard let grant = self.grant(forKey: key, cache: &cache) else {
            self.logger.debug("unknown apiKey", metadata: ["key": "\(KeyRing.redacted(key))"])
            throw RequestFailure(.unauthorized, "unknown apiKey", requestId: requestId)
        }
        return grant
    }

    /// The project `grant` serves; 403 for an admin key that names none.
    private func project(of grant: KeyGrant, requestId: RequestID?) throws(RequestFailure) -> String {
        guard let project = grant.project else {
            throw RequestFailure(
                .forbidden,
                "this admin key names no project: it may call the admin.* methods only",
                requestId: requestId
            )
        }
        return project
    }

    /// Runs a checked request on the store and says when its reply may be written.
    private func run(
        _ request: Request,
        project: String,
        fingerprint: Fingerprint,
        requestId: RequestID?
    ) async throws(RequestFailure) -> PendingReply {
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
                requestId: requestId
            )
        }
        switch reply.durability {
        case .durable:
            return .ready(
                ResponseWriter.complete(body: reply.body, replayed: reply.replayed, requestId: requestId)
            )
        case .afterRecord(let ticket, let log):
            return .durable(
                body: reply.body,
                replayed: reply.replayed,
                requestId: requestId,
                log: log,
                sequence: ticket
            )
        }
    }

    /// The checked `admin.*` request of `envelope`, nil for an ordinary method; 403 for a key
    /// that is not an admin key.
    private func adminRequest(_ envelope: RequestEnvelope, grant: KeyGrant) throws(RequestFailure) -> AdminRequest? {
        guard envelope.method.isAdmin else { return nil }
        guard grant.isAdmin else {
            throw RequestFailure(
                .forbidden,
                "\(envelope.method.rawValue) needs an admin key (\"admin\": true in the keys file)",
                requestId: envelope.requestId
            )
        }
        return try AdminRequest.decode(envelope)
    }

    private func grant(forKey key: String, cache: inout KeyCache) -> KeyGrant? {
        let bytes = Array(key.utf8)
        let generation = self.keys.generation
        if let grant = cache.grant, cache.generation == generation, KeyRing.constantTimeEqual(bytes, cache.key) {
            return grant
        }
        let grant = self.keys.current.grant(forKey: key)
        if let grant {
            cache.key = bytes
            cache.grant = grant
            cache.generation = generation
        }
        return grant
    }
}
